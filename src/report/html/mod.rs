//! `report.html`: the one file a leader opens in a browser. A single
//! self-contained page (inline CSS, no scripts, no external assets) so it can
//! be mailed or archived as is; everything that came from a crawled page, a
//! targets file or a checklist is escaped by [`esc`], because a hostile site
//! must not be able to run code in the reader's browser.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use super::status_code;
use crate::audit::{AuditRun, SiteResult, SiteStatus};
use crate::finding::{Change, Finding, Status};
use crate::fold::clip;
use crate::target::SiteKind;

/// The language of the report's own words (titles, headings, labels). Data
/// from the checklist is shown in English only where the checklist gives an
/// English title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Vietnamese, the default: the readers are Vietnamese officials.
    #[default]
    Vi,
    /// English.
    En,
}

/// Longest evidence text shown in a cell, in characters.
const EVIDENCE_MAX: usize = 400;
/// Longest link text shown for an evidence URL, in characters.
const LINK_TEXT_MAX: usize = 80;

/// Renders `report.html`: one self-contained page (inline CSS, no scripts, no
/// external assets) with the summary, the item matrix, what each agency must
/// fix and the changes since the previous run. The same run always gives the
/// same bytes.
///
/// # Panics
/// Never: formatting into a `String` cannot fail.
#[must_use]
pub fn render_html(run: &AuditRun, changes: &[Change], lang: Lang) -> String {
    let mut out = String::with_capacity(64 * 1024);
    write_page(&mut out, run, changes, ui(lang), lang).expect("writing into a String never fails");
    out
}

/// Escapes text for HTML element content and quoted attribute values:
/// `&`, `<`, `>`, `"` and `'`. The only escape in this module; every string
/// that did not come from this file goes through it.
fn esc(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The report's own words in one language.
struct Ui {
    html_lang: &'static str,
    title: &'static str,
    as_of: &'static str,
    sites: &'static str,
    checklist: &'static str,
    ruleset: &'static str,
    interrupted: &'static str,
    summary: &'static str,
    agency: &'static str,
    kind: &'static str,
    score: &'static str,
    not_audited: &'static str,
    matrix: &'static str,
    legend: &'static str,
    to_fix: &'static str,
    item: &'static str,
    status: &'static str,
    basis: &'static str,
    evidence: &'static str,
    where_looked: &'static str,
    pages_searched: &'static str,
    nothing_to_fix: &'static str,
    address: &'static str,
    pages_crawled: &'static str,
    notes: &'static str,
    changes: &'static str,
    no_changes: &'static str,
    before_after: &'static str,
    regression: &'static str,
    back: &'static str,
}

const VI: Ui = Ui {
    html_lang: "vi",
    title: "Báo cáo rà soát cổng thông tin điện tử",
    as_of: "Ngày rà soát",
    sites: "Số cổng",
    checklist: "Bộ tiêu chí",
    ruleset: "Văn bản áp dụng",
    interrupted: "Lần rà soát bị dừng giữa chừng: kết quả chưa đầy đủ, cần chạy lại.",
    summary: "Tổng hợp theo cơ quan (điểm thấp nhất trước)",
    agency: "Cơ quan",
    kind: "Loại",
    score: "Điểm",
    not_audited: "Chưa rà soát được",
    matrix: "Ma trận tiêu chí",
    legend: "Chú giải",
    to_fix: "Cần bổ sung",
    item: "Tiêu chí",
    status: "Trạng thái",
    basis: "Căn cứ pháp lý",
    evidence: "Bằng chứng",
    where_looked: "Nơi đã tìm",
    pages_searched: "số trang đã tìm",
    nothing_to_fix: "Không có mục nào cần bổ sung.",
    address: "Địa chỉ",
    pages_crawled: "Số trang đã xem",
    notes: "Ghi chú",
    changes: "Thay đổi so với lần trước",
    no_changes: "Không có thay đổi nào so với lần trước (hoặc chưa có lần rà soát trước để so sánh).",
    before_after: "Trước → Sau",
    regression: "giảm",
    back: "Về đầu trang",
};

const EN: Ui = Ui {
    html_lang: "en",
    title: "Government web portal audit report",
    as_of: "Audit date",
    sites: "Sites",
    checklist: "Checklist",
    ruleset: "Rules in force",
    interrupted: "This run was interrupted before every site was done: the results are partial; run it again.",
    summary: "Summary by agency (worst first)",
    agency: "Agency",
    kind: "Kind",
    score: "Score",
    not_audited: "Not audited",
    matrix: "Item matrix",
    legend: "Legend",
    to_fix: "To fix",
    item: "Item",
    status: "Status",
    basis: "Legal basis",
    evidence: "Evidence",
    where_looked: "Where we looked",
    pages_searched: "pages searched",
    nothing_to_fix: "Nothing to fix.",
    address: "Address",
    pages_crawled: "Pages examined",
    notes: "Notes",
    changes: "Changes since the previous run",
    no_changes: "No changes since the previous run (or no previous run to compare with).",
    before_after: "Before → After",
    regression: "regression",
    back: "Back to top",
};

fn ui(lang: Lang) -> &'static Ui {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

fn status_label(status: Status, lang: Lang) -> &'static str {
    match (lang, status) {
        (Lang::Vi, Status::Present) => "Đạt",
        (Lang::Vi, Status::Missing) => "Thiếu",
        (Lang::Vi, Status::Placeholder) => "Để trống",
        (Lang::Vi, Status::Stale) => "Quá hạn",
        (Lang::Vi, Status::Unknown) => "Không xác định",
        (Lang::Vi, Status::NotApplicable) => "Không áp dụng",
        (Lang::En, Status::Present) => "Present",
        (Lang::En, Status::Missing) => "Missing",
        (Lang::En, Status::Placeholder) => "Placeholder",
        (Lang::En, Status::Stale) => "Stale",
        (Lang::En, Status::Unknown) => "Unknown",
        (Lang::En, Status::NotApplicable) => "Not applicable",
    }
}

fn kind_label(kind: SiteKind, lang: Lang) -> &'static str {
    match (lang, kind) {
        (Lang::Vi, SiteKind::Province) => "Tỉnh",
        (Lang::Vi, SiteKind::Department) => "Sở, ban, ngành",
        (Lang::Vi, SiteKind::District) => "Huyện",
        (Lang::Vi, SiteKind::Commune) => "Xã, phường",
        (Lang::En, SiteKind::Province) => "Province",
        (Lang::En, SiteKind::Department) => "Department",
        (Lang::En, SiteKind::District) => "District",
        (Lang::En, SiteKind::Commune) => "Commune",
    }
}

/// The item's title in `lang`: the English gloss when asked for and given.
fn item_title(f: &Finding, lang: Lang) -> &str {
    match (lang, &f.item_title_en) {
        (Lang::En, Some(en)) if !en.is_empty() => en,
        _ => &f.item_title,
    }
}

/// A fragment id for a site that is valid and unique whatever the targets
/// file holds: ASCII letters, digits and `-` are kept, every other character
/// becomes `_<hex>_`.
fn anchor(site_id: &str) -> String {
    let mut out = String::from("site-");
    for c in site_id.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else {
            let _ = write!(out, "_{:x}_", u32::from(c));
        }
    }
    out
}

/// A link when `url` is http(s), plain text otherwise (never a `javascript:`
/// or `data:` href).
fn write_link(out: &mut String, url: &str) -> fmt::Result {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let text = clip(url, LINK_TEXT_MAX);
    if lower.starts_with("http://") || lower.starts_with("https://") {
        write!(
            out,
            r#"<a href="{}" rel="nofollow noopener" target="_blank">{}</a>"#,
            esc(url),
            esc(&text)
        )
    } else {
        write!(out, "<span class=\"url\">{}</span>", esc(&text))
    }
}

fn write_status(out: &mut String, status: Status, lang: Lang) -> fmt::Result {
    write!(
        out,
        r#"<span class="badge st-{}">{}</span>"#,
        status.as_str(),
        status_label(status, lang)
    )
}

/// Sites by score, worst first; sites with no score last; ties keep the
/// targets-file order.
fn worst_first(run: &AuditRun) -> Vec<&SiteResult> {
    let mut sites: Vec<&SiteResult> = run.sites.iter().collect();
    sites.sort_by(|a, b| match (a.score.score, b.score.score) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    sites
}

/// Distinct non-empty values, in first-seen order.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for v in values {
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

const CSS: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:24px;color:#1b1b1b;background:#fff;line-height:1.4}
h1{font-size:1.6em;margin:0 0 .3em}
h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:2px solid #d0d7de;padding-bottom:.2em}
h3{font-size:1.1em;margin:1.4em 0 .3em}
.meta{color:#444;margin:.2em 0}
.warning{background:#fff3cd;border:2px solid #d39e00;color:#5c4400;padding:10px 14px;margin:12px 0;font-weight:bold}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;width:120px;height:10px;background:#e6e6e6;margin-left:8px;vertical-align:middle}
.bar>div{height:100%}
.bar .low{background:#c62828}.bar .mid{background:#ef8f00}.bar .high{background:#2e7d32}
.failed{color:#8a1c1c}
.scroll{overflow-x:auto;max-width:100%}
td.kind{white-space:nowrap}
table.matrix tbody th{min-width:12em;max-width:18em;font-weight:normal}
.hint{color:#555;font-size:.9em}
.st-present{background:#2e7d32;color:#fff}
.st-missing{background:#c62828;color:#fff}
.st-placeholder{background:#ef8f00;color:#fff}
.st-stale{background:#f2d024;color:#222}
.st-unknown{background:#9e9e9e;color:#fff}
.st-not_applicable{background:#f7f7f7;color:#aaa}
.badge{display:inline-block;padding:0 6px;border-radius:3px;font-size:.9em;white-space:nowrap}
table.matrix td.cell{text-align:center;font-weight:bold;width:1.6em;padding:2px}
table.matrix th.item{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:normal;font-size:.85em;padding:6px 2px}
.legend span.badge{margin-right:10px}
.evidence{max-width:34em;word-break:break-word}
.url{word-break:break-all}
tr.regression td{background:#fdecea}
a{color:#0b57d0}
";

fn write_page(
    out: &mut String,
    run: &AuditRun,
    changes: &[Change],
    t: &Ui,
    lang: Lang,
) -> fmt::Result {
    let sorted = worst_first(run);
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"{}\">", t.html_lang)?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    // Defence in depth: even if something slipped past the escaping, the
    // browser would run no script and load nothing from anywhere.
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    )?;
    writeln!(out, "<meta name=\"referrer\" content=\"no-referrer\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(out, "<title>{} {}</title>", t.title, run.as_of)?;
    writeln!(out, "<style>\n{CSS}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body id=\"top\">")?;
    write_header(out, run, t)?;
    write_summary(out, &sorted, t, lang)?;
    write_matrix(out, run, &sorted, t, lang)?;
    writeln!(out, "<section id=\"to-fix\">")?;
    writeln!(out, "<h2>{}</h2>", t.to_fix)?;
    for site in &sorted {
        write_site(out, site, t, lang)?;
    }
    writeln!(out, "</section>")?;
    write_changes(out, run, changes, t, lang)?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

fn write_header(out: &mut String, run: &AuditRun, t: &Ui) -> fmt::Result {
    writeln!(out, "<header>")?;
    writeln!(out, "<h1>{}</h1>", t.title)?;
    let checklists = distinct(run.sites.iter().map(|s| s.checklist.as_str()));
    let rulesets = distinct(run.sites.iter().map(|s| s.ruleset.as_str()));
    writeln!(
        out,
        "<p class=\"meta\">{}: <strong>{}</strong> · {}: <strong>{}</strong> · {}: {} · {}: {}</p>",
        t.as_of,
        run.as_of,
        t.sites,
        run.sites.len(),
        t.checklist,
        esc(&checklists.join(", ")),
        t.ruleset,
        esc(&rulesets.join(", ")),
    )?;
    if run.interrupted {
        writeln!(
            out,
            "<p class=\"warning\" role=\"alert\">⚠ {}</p>",
            t.interrupted
        )?;
    }
    writeln!(out, "</header>")
}

fn write_summary(out: &mut String, sorted: &[&SiteResult], t: &Ui, lang: Lang) -> fmt::Result {
    writeln!(out, "<section id=\"summary\">")?;
    writeln!(out, "<h2>{}</h2>", t.summary)?;
    writeln!(out, "<table class=\"summary\">")?;
    write!(
        out,
        "<thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th>",
        t.agency, t.kind, t.score
    )?;
    for status in [
        Status::Present,
        Status::Missing,
        Status::Placeholder,
        Status::Stale,
    ] {
        write!(out, "<th>{}</th>", status_label(status, lang))?;
    }
    writeln!(out, "</tr></thead>")?;
    writeln!(out, "<tbody>")?;
    for (rank, site) in sorted.iter().enumerate() {
        let s = &site.score;
        write!(
            out,
            "<tr><td class=\"num\">{}</td><td><a href=\"#{}\">{}</a></td><td class=\"kind\">{}</td>",
            rank + 1,
            esc(&anchor(&site.target.id)),
            esc(&site.target.name),
            kind_label(site.target.kind, lang)
        )?;
        match s.score {
            Some(score) => {
                let class = if score < 50.0 {
                    "low"
                } else if score < 80.0 {
                    "mid"
                } else {
                    "high"
                };
                write!(
                    out,
                    "<td class=\"score\">{score:.1}<div class=\"bar\"><div class=\"{class}\" style=\"width:{:.1}%\"></div></div>",
                    score.clamp(0.0, 100.0)
                )?;
            }
            None => write!(out, "<td class=\"score failed\">— {}", t.not_audited)?,
        }
        if let SiteStatus::Failed(f) = &site.status {
            write!(
                out,
                "<br><code>{}</code> <span class=\"hint\">{}</span>",
                esc(f.kind.code()),
                esc(f.kind.hint())
            )?;
        }
        writeln!(
            out,
            "</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            s.present, s.missing, s.placeholder, s.stale
        )?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")?;
    writeln!(out, "</section>")
}

fn write_matrix(
    out: &mut String,
    run: &AuditRun,
    sorted: &[&SiteResult],
    t: &Ui,
    lang: Lang,
) -> fmt::Result {
    // Columns: every item, in checklist order, first seen in targets order.
    let mut items: Vec<&Finding> = Vec::new();
    for site in &run.sites {
        for f in &site.findings {
            if !items.iter().any(|i| i.item_id == f.item_id) {
                items.push(f);
            }
        }
    }
    writeln!(out, "<section id=\"matrix\">")?;
    writeln!(out, "<h2>{}</h2>", t.matrix)?;
    write!(out, "<p class=\"legend\">{}: ", t.legend)?;
    for status in Status::ALL {
        write!(
            out,
            "<span class=\"badge st-{}\">{} = {}</span>",
            status.as_str(),
            status_code(status),
            status_label(status, lang)
        )?;
    }
    writeln!(out, "</p>")?;
    writeln!(out, "<div class=\"scroll\">")?;
    writeln!(out, "<table class=\"matrix\">")?;
    write!(out, "<thead><tr><th>{}</th>", t.agency)?;
    for item in &items {
        write!(
            out,
            "<th class=\"item\" title=\"{}\">{}</th>",
            esc(item_title(item, lang)),
            esc(&item.item_id)
        )?;
    }
    writeln!(out, "</tr></thead>")?;
    writeln!(out, "<tbody>")?;
    for site in sorted {
        write!(
            out,
            "<tr><th><a href=\"#{}\">{}</a></th>",
            esc(&anchor(&site.target.id)),
            esc(&site.target.name)
        )?;
        for item in &items {
            match site.findings.iter().find(|f| f.item_id == item.item_id) {
                Some(f) => write!(
                    out,
                    "<td class=\"cell st-{}\" title=\"{}: {}\">{}</td>",
                    f.status.as_str(),
                    esc(item_title(f, lang)),
                    status_label(f.status, lang),
                    status_code(f.status)
                )?,
                None => write!(out, "<td class=\"cell\"></td>")?,
            }
        }
        writeln!(out, "</tr>")?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")?;
    writeln!(out, "</div>")?;
    writeln!(out, "</section>")
}

fn write_site(out: &mut String, site: &SiteResult, t: &Ui, lang: Lang) -> fmt::Result {
    writeln!(
        out,
        "<section class=\"site\" id=\"{}\">",
        esc(&anchor(&site.target.id))
    )?;
    writeln!(out, "<h3>{}</h3>", esc(&site.target.name))?;
    write!(out, "<p class=\"meta\">{}: ", t.address)?;
    write_link(out, site.target.url.as_str())?;
    if let Some(final_url) = site.final_url.as_ref().filter(|u| *u != &site.target.url) {
        write!(out, " → ")?;
        write_link(out, final_url.as_str())?;
    }
    write!(out, " · {}: {}", t.pages_crawled, site.pages_crawled)?;
    if let Some(score) = site.score.score {
        write!(out, " · {}: <strong>{score:.1}</strong>", t.score)?;
    }
    writeln!(out, " · <a href=\"#top\">{}</a></p>", t.back)?;
    if let SiteStatus::Failed(f) = &site.status {
        writeln!(
            out,
            "<p class=\"failed\">{}: <code>{}</code> — {}</p>",
            t.not_audited,
            esc(f.kind.code()),
            esc(f.kind.hint())
        )?;
    }
    if !site.notes.is_empty() {
        writeln!(
            out,
            "<p class=\"meta\">{}: {}</p>",
            t.notes,
            esc(&site.notes.join("; "))
        )?;
    }
    let to_fix: Vec<&Finding> = site
        .findings
        .iter()
        .filter(|f| f.status.needs_action() && !f.report_only)
        .collect();
    if to_fix.is_empty() {
        if site.status == SiteStatus::Ok {
            writeln!(out, "<p>{}</p>", t.nothing_to_fix)?;
        }
        return writeln!(out, "</section>");
    }
    writeln!(out, "<table class=\"fix\">")?;
    writeln!(
        out,
        "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>",
        t.item, t.status, t.basis, t.evidence, t.where_looked
    )?;
    writeln!(out, "<tbody>")?;
    for f in to_fix {
        write!(
            out,
            "<tr><td>{} <code>{}</code></td><td>",
            esc(item_title(f, lang)),
            esc(&f.item_id)
        )?;
        write_status(out, f.status, lang)?;
        write!(
            out,
            "</td><td>{}</td><td class=\"evidence\">",
            esc(&f.basis)
        )?;
        if let Some(url) = &f.evidence_url {
            write_link(out, url)?;
        }
        write!(
            out,
            "</td><td class=\"evidence\">{}",
            esc(&clip(&f.evidence, EVIDENCE_MAX))
        )?;
        if let (Status::Missing, Some(pages)) = (f.status, f.pages_searched) {
            write!(out, " ({}: {pages})", t.pages_searched)?;
        }
        writeln!(out, "</td></tr>")?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")?;
    writeln!(out, "</section>")
}

fn write_changes(
    out: &mut String,
    run: &AuditRun,
    changes: &[Change],
    t: &Ui,
    lang: Lang,
) -> fmt::Result {
    writeln!(out, "<section id=\"changes\">")?;
    writeln!(out, "<h2>{}</h2>", t.changes)?;
    if changes.is_empty() {
        writeln!(out, "<p>{}</p>", t.no_changes)?;
        return writeln!(out, "</section>");
    }
    writeln!(out, "<table class=\"changes\">")?;
    writeln!(
        out,
        "<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>",
        t.agency, t.item, t.before_after
    )?;
    writeln!(out, "<tbody>")?;
    for c in changes {
        let site = run.sites.iter().find(|s| s.target.id == c.site_id);
        let finding = site.and_then(|s| s.findings.iter().find(|f| f.item_id == c.item_id));
        let regression = c.is_regression();
        write!(
            out,
            "<tr{}><td>",
            if regression {
                " class=\"regression\""
            } else {
                ""
            }
        )?;
        match site {
            Some(s) => write!(
                out,
                "<a href=\"#{}\">{}</a>",
                esc(&anchor(&s.target.id)),
                esc(&s.target.name)
            )?,
            None => write!(out, "{}", esc(&c.site_id))?,
        }
        write!(out, "</td><td>")?;
        if let Some(f) = finding {
            write!(out, "{} ", esc(item_title(f, lang)))?;
        }
        write!(out, "<code>{}</code></td><td>", esc(&c.item_id))?;
        match c.before {
            Some(status) => write_status(out, status, lang)?,
            None => write!(out, "—")?,
        }
        write!(out, " → ")?;
        match c.after {
            Some(status) => write_status(out, status, lang)?,
            None => write!(out, "—")?,
        }
        if regression {
            write!(out, " <strong>({})</strong>", t.regression)?;
        }
        writeln!(out, "</td></tr>")?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")?;
    writeln!(out, "</section>")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::crawl::CrawlStats;
    use crate::page::{FailureKind, FetchFailure};
    use crate::score::score;
    use crate::target::Target;

    const SCRIPT: &str = "<script>alert(1)</script>";
    const IMG: &str = "\"><img src=x onerror=alert(1)>";

    fn finding(id: &str, status: Status) -> Finding {
        Finding {
            item_id: id.into(),
            item_title: format!("Tiêu đề {id}"),
            item_title_en: None,
            status,
            evidence_url: None,
            evidence: String::new(),
            pages_searched: None,
            basis: "Nghị định 42/2022/NĐ-CP".into(),
            weight: 1.0,
            report_only: false,
        }
    }

    fn site(id: &str, name: &str, findings: Vec<Finding>) -> SiteResult {
        SiteResult {
            target: Target {
                id: id.into(),
                name: name.into(),
                kind: SiteKind::Department,
                url: "https://example.gov.vn/".parse().unwrap(),
                checklist: None,
                extra: Vec::new(),
            },
            checklist: "vn-gov-portal@1".into(),
            ruleset: "nd42_2022".into(),
            status: SiteStatus::Ok,
            final_url: None,
            crawl: CrawlStats::default(),
            pages_crawled: 3,
            score: score(&findings),
            findings,
            notes: Vec::new(),
            duration: Duration::ZERO,
        }
    }

    fn run(sites: Vec<SiteResult>) -> AuditRun {
        AuditRun {
            started_at: "2026-11-28T00:00:00Z".into(),
            interrupted: false,
            as_of: "2026-11-28".parse().unwrap(),
            sites,
            duration: Duration::ZERO,
        }
    }

    /// A site whose score is `present` out of 10.
    fn scored(id: &str, present: usize) -> SiteResult {
        let findings = (0..10)
            .map(|i| {
                let status = if i < present {
                    Status::Present
                } else {
                    Status::Missing
                };
                finding(&format!("item{i}"), status)
            })
            .collect();
        site(id, &format!("Agency {id}"), findings)
    }

    #[test]
    fn escape_covers_the_five_characters() {
        assert_eq!(
            esc(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert!(matches!(esc("Sở Tư pháp"), Cow::Borrowed(_)));
    }

    #[test]
    fn hostile_strings_are_escaped_everywhere() {
        let mut f = finding("footer_address", Status::Missing);
        f.item_title = format!("Địa chỉ {SCRIPT}{IMG}");
        f.item_title_en = Some(format!("Address {SCRIPT}{IMG}"));
        f.evidence = format!("searched {SCRIPT} and {IMG}");
        f.evidence_url = Some(format!("https://x.gov.vn/{IMG}{SCRIPT}"));
        f.basis = format!("{SCRIPT}{IMG}");
        f.pages_searched = Some(7);
        let mut js = finding("footer_email", Status::Placeholder);
        js.evidence_url = Some("javascript:alert(1)".into());
        let mut s = site(
            &format!("id{IMG}"),
            &format!("Sở {SCRIPT}{IMG}"),
            vec![f, js],
        );
        s.checklist = format!("list{SCRIPT}");
        s.ruleset = format!("rules{IMG}");
        s.notes.push(format!("note {SCRIPT}"));
        let mut failed = site(
            "down",
            &format!("Down {IMG}"),
            vec![finding("a", Status::Unknown)],
        );
        failed.status = SiteStatus::Failed(FetchFailure::new(FailureKind::ConnectRefused, SCRIPT));
        let changes = [Change {
            site_id: format!("gone{SCRIPT}"),
            item_id: format!("item{IMG}"),
            before: Some(Status::Present),
            after: Some(Status::Missing),
        }];
        for lang in [Lang::Vi, Lang::En] {
            let html = render_html(&run(vec![s.clone(), failed.clone()]), &changes, lang);
            let lower = html.to_ascii_lowercase();
            assert!(!lower.contains("<script"), "{html}");
            assert!(!lower.contains("<img"), "{html}");
            assert!(!lower.contains("href=\"javascript:"), "{html}");
            assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
            assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
            assert!(html.contains("rel=\"nofollow noopener\""));
            assert!(
                html.contains("(7)") || html.contains(": 7)"),
                "pages searched shown"
            );
        }
    }

    #[test]
    fn summary_is_worst_first_with_unscored_sites_last() {
        let mut down = site(
            "down",
            "Agency down",
            vec![finding("item0", Status::Unknown)],
        );
        down.status = SiteStatus::Failed(FetchFailure::new(FailureKind::ConnectRefused, "refused"));
        let sites = vec![down, scored("b80", 8), scored("b20", 2), scored("b50", 5)];
        let html = render_html(&run(sites), &[], Lang::Vi);
        let summary =
            &html[html.find("id=\"summary\"").unwrap()..html.find("id=\"matrix\"").unwrap()];
        let at = |name: &str| {
            summary
                .find(name)
                .unwrap_or_else(|| panic!("{name} in summary"))
        };
        assert!(at("Agency b20") < at("Agency b50"));
        assert!(at("Agency b50") < at("Agency b80"));
        assert!(at("Agency b80") < at("Agency down"));
        assert!(summary.contains("connect_refused"));
        assert!(summary.contains(FailureKind::ConnectRefused.hint()));
        assert!(summary.contains("style=\"width:20.0%\""));
        // The per-agency sections follow the same order.
        let sections = &html[html.find("id=\"to-fix\"").unwrap()..];
        let at = |id: &str| sections.find(&format!("id=\"site-{id}\"")).unwrap();
        assert!(at("b20") < at("b50") && at("b50") < at("b80") && at("b80") < at("down"));
    }

    #[test]
    fn english_uses_english_titles_and_words() {
        let mut f = finding("footer_address", Status::Missing);
        f.item_title = "Địa chỉ trụ sở".into();
        f.item_title_en = Some("Postal address of the agency".into());
        let mut g = finding("footer_email", Status::Stale);
        g.item_title = "Thư điện tử".into();
        let r = run(vec![site("stp", "Sở Tư pháp", vec![f, g])]);
        let en = render_html(&r, &[], Lang::En);
        assert!(en.contains("<html lang=\"en\">"));
        assert!(en.contains("Postal address of the agency"));
        assert!(!en.contains("Địa chỉ trụ sở"));
        assert!(
            en.contains("Thư điện tử"),
            "falls back to the checklist title"
        );
        assert!(en.contains("Changes since the previous run"));
        let vi = render_html(&r, &[], Lang::Vi);
        assert!(vi.contains("Địa chỉ trụ sở"));
        assert!(!vi.contains("Postal address of the agency"));
        assert!(vi.contains("Báo cáo rà soát cổng thông tin điện tử"));
        assert!(vi.contains("Thay đổi so với lần trước"));
        assert!(vi.contains("Cần bổ sung"));
    }

    #[test]
    fn interrupted_run_shows_a_banner_and_output_is_deterministic() {
        let mut r = run(vec![scored("a", 3), scored("b", 3)]);
        assert!(!render_html(&r, &[], Lang::Vi).contains("class=\"warning\""));
        r.interrupted = true;
        let html = render_html(&r, &[], Lang::Vi);
        assert!(html.contains("class=\"warning\""));
        assert_eq!(html, render_html(&r, &[], Lang::Vi));
        assert!(!html.contains("2026-11-28T00:00:00Z"), "no run timestamp");
    }

    #[test]
    fn anchors_are_safe_and_distinct() {
        assert_eq!(anchor("so-tu-phap"), "site-so-tu-phap");
        assert_ne!(anchor("a b"), anchor("a_b"));
        assert!(
            anchor("x\"><y")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        );
    }
}
