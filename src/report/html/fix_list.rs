//! The fix list a leader attaches to an official letter: one page (or more)
//! per agency, `can-bo-sung/<site>.html`, printed on A4. It names the agency,
//! the audit date, the rule set in force and the score, then lists, numbered,
//! what to add or fix: the item, what the law requires, its legal basis,
//! what was found (the empty page, the stale date) or where we looked, and
//! where such an item is normally placed.

use std::fmt::{self, Write as _};

use super::{EVIDENCE_MAX, esc, item_title, write_link, write_status};
use crate::finding::{Finding, Status};
use crate::fold::clip;
use crate::report::words::{failure_hint, kind_word, outcome_word, placement_word};
use crate::report::{Lang, evidence_for};
use crate::run::{AuditRun, SiteResult, SiteStatus};

/// The fix list's own words in one language.
struct Words {
    html_lang: &'static str,
    title: &'static str,
    as_of: &'static str,
    ruleset: &'static str,
    score: &'static str,
    address: &'static str,
    not_audited: &'static str,
    nothing: &'static str,
    intro: &'static str,
    number: &'static str,
    item: &'static str,
    status: &'static str,
    basis: &'static str,
    found: &'static str,
    placement: &'static str,
    footer: &'static str,
}

const VI: Words = Words {
    html_lang: "vi",
    title: "Danh mục thông tin cần bổ sung trên cổng/trang thông tin điện tử",
    as_of: "Ngày rà soát",
    ruleset: "Văn bản áp dụng",
    score: "Điểm",
    address: "Địa chỉ",
    not_audited: "Chưa rà soát được cổng này",
    nothing: "Không có mục nào cần bổ sung.",
    intro: "Đề nghị cơ quan bổ sung, cập nhật các thông tin sau:",
    number: "TT",
    item: "Nội dung cần có",
    status: "Kết quả",
    basis: "Căn cứ pháp lý",
    found: "Kết quả rà soát",
    placement: "Nơi thường đặt",
    footer: "Lập bằng portal-audit từ kết quả rà soát tự động; mỗi mục có thể kiểm tra lại tại địa chỉ đã nêu.",
};

const EN: Words = Words {
    html_lang: "en",
    title: "Information to add to the agency's portal",
    as_of: "Audit date",
    ruleset: "Rules in force",
    score: "Score",
    address: "Address",
    not_audited: "This site could not be audited",
    nothing: "Nothing to add.",
    intro: "Please add or update the following:",
    number: "No.",
    item: "Required information",
    status: "Status",
    basis: "Legal basis",
    found: "What the audit found",
    placement: "Usually placed in",
    footer: "Made by portal-audit from an automated audit; every item can be checked at the address given.",
};

/// A file name for a site's fix list: its id with every character but ASCII
/// letters, digits, `-` and `_` replaced, so any id makes a safe name.
#[must_use]
pub fn fix_list_name(site_id: &str) -> String {
    let stem: String = site_id
        .chars()
        .take(80)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{stem}.html")
}

/// Renders the fix list of `site`.
///
/// # Panics
/// Never: formatting into a `String` cannot fail.
#[must_use]
pub fn render_fix_list(run: &AuditRun, site: &SiteResult, lang: Lang) -> String {
    let w = match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    };
    let mut out = String::with_capacity(16 * 1024);
    write_fix_list(&mut out, run, site, w, lang).expect("writing into a String never fails");
    out
}

fn write_fix_list(
    out: &mut String,
    run: &AuditRun,
    site: &SiteResult,
    w: &Words,
    lang: Lang,
) -> fmt::Result {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>",
        w.html_lang
    )?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    )?;
    writeln!(
        out,
        "<title>{} — {}</title>",
        esc(&site.target.name),
        w.title
    )?;
    writeln!(out, "<style>\n{CSS}</style>\n</head>\n<body>")?;
    writeln!(out, "<h1>{}</h1>", w.title)?;
    writeln!(out, "<h2>{}</h2>", esc(&site.target.name))?;
    write!(
        out,
        "<p class=\"meta\">{} · {}: ",
        kind_word(site.target.kind, lang),
        w.address
    )?;
    write_link(out, site.target.url.as_str())?;
    writeln!(out, "</p>")?;
    write!(
        out,
        "<p class=\"meta\">{}: <strong>{}</strong> · {}: {}",
        w.as_of,
        run.as_of,
        w.ruleset,
        esc(&site.ruleset)
    )?;
    if let Some(score) = site.score.score {
        write!(out, " · {}: <strong>{score:.1}</strong>/100", w.score)?;
    }
    writeln!(out, "</p>")?;
    if let SiteStatus::Failed(f) = &site.status {
        writeln!(
            out,
            "<p class=\"failed\">{}: {} — {}</p>",
            w.not_audited,
            outcome_word(Some(f.kind), lang),
            failure_hint(f.kind, lang)
        )?;
    }
    let to_fix: Vec<&Finding> = site.findings.iter().filter(|f| f.to_fix()).collect();
    if to_fix.is_empty() {
        if site.status == SiteStatus::Ok {
            writeln!(out, "<p>{}</p>", w.nothing)?;
        }
    } else {
        write_table(out, &to_fix, w, lang)?;
    }
    writeln!(
        out,
        "<p class=\"footer\">{}</p>\n</body>\n</html>",
        w.footer
    )
}

fn write_table(out: &mut String, to_fix: &[&Finding], w: &Words, lang: Lang) -> fmt::Result {
    writeln!(out, "<p>{}</p>", w.intro)?;
    writeln!(
        out,
        "<table>\n<colgroup><col class=\"n\"><col class=\"item\"><col class=\"st\"><col class=\"basis\"><col class=\"found\"><col class=\"place\"></colgroup>"
    )?;
    writeln!(
        out,
        "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
        w.number, w.item, w.status, w.basis, w.found, w.placement
    )?;
    for (n, f) in to_fix.iter().enumerate() {
        write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>",
            n + 1,
            esc(item_title(f, lang))
        )?;
        write_status(out, f.status, lang)?;
        write!(out, "</td><td>{}</td><td class=\"found\">", esc(&f.basis))?;
        let evidence = evidence_for(f, lang);
        write!(out, "{}", esc(&clip(&evidence, EVIDENCE_MAX)))?;
        if let (Some(url), false) = (&f.evidence_url, f.status == Status::Missing) {
            write!(out, "<br>")?;
            write_link(out, url)?;
        }
        writeln!(
            out,
            "</td><td>{}</td></tr>",
            placement_word(f.placement, lang)
        )?;
    }
    writeln!(out, "</tbody>\n</table>")
}

/// A4 portrait with 15 mm margins; the table is laid out in fixed columns
/// that add up to the printable width, and long addresses break anywhere.
const CSS: &str = "\
@page{size:A4 portrait;margin:15mm}
body{font-family:'Times New Roman',Times,serif;font-size:12pt;color:#000;margin:0 auto;max-width:180mm;line-height:1.35}
h1{font-size:14pt;text-align:center;text-transform:uppercase;margin:0 0 6pt}
h2{font-size:13pt;text-align:center;margin:0 0 8pt}
.meta{margin:2pt 0}
.failed{color:#8a1c1c;font-weight:bold}
table{width:100%;table-layout:fixed;border-collapse:collapse;margin-top:6pt}
col.n{width:8mm}col.item{width:38mm}col.st{width:18mm}col.basis{width:36mm}col.found{width:54mm}col.place{width:26mm}
th,td{border:1px solid #000;padding:3pt;vertical-align:top;font-size:10pt;overflow-wrap:anywhere;word-break:break-word}
th{background:#eee}
tr{break-inside:avoid}
thead{display:table-header-group}
a{color:#000}
.badge{font-weight:bold}
.footer{font-size:9pt;color:#444;margin-top:10pt}
";
