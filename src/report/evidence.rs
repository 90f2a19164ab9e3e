//! The evidence of a finding in the reader's language. Evaluation writes
//! evidence in English from a small set of fixed phrases around what it
//! quotes from the site ("menu link “Công khai ngân sách” on http://… (the
//! page answers HTTP 404)"); for Vietnamese readers those phrases are put in
//! Vietnamese here, while quotes, addresses and selectors stay as they are.
//! `run.json` keeps the English.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use super::Lang;
use super::words::{Searched, kind_word, not_rendered_vi, where_looked};
use crate::finding::{Finding, Status};
use crate::site::NotRendered;
use crate::target::SiteKind;

/// Fixed phrases and their Vietnamese, longest first where one contains
/// another.
const PHRASES: &[(&str, &str)] = &[
    (
        "image link (no alt text; the page it leads to is titled ",
        "ảnh liên kết (không có chú thích; trang đích có tiêu đề ",
    ),
    (
        " (no alt text: named by its address)",
        " (không có chú thích: nhận biết qua địa chỉ)",
    ),
    (
        "(not fetched: beyond the crawl's page, depth or time limits)",
        "(chưa tải: vượt giới hạn số trang, độ sâu hoặc thời gian)",
    ),
    (
        "the page has no content beyond the site's menus",
        "trang không có nội dung ngoài các menu của cổng",
    ),
    (
        "; no date found to judge freshness",
        "; không thấy ngày để đánh giá tính cập nhật",
    ),
    (
        "served over HTTPS with a valid certificate",
        "dùng HTTPS với chứng thư số hợp lệ",
    ),
    (
        "no sitemap.xml answers with a sitemap",
        "không có sitemap.xml",
    ),
    ("sitemap.xml answers with a sitemap", "có sitemap.xml"),
    (
        "the host has no IPv6 address",
        "tên miền không có địa chỉ IPv6",
    ),
    ("the host has an IPv6 address", "tên miền có địa chỉ IPv6"),
    (
        "the certificate is not valid (",
        "chứng thư số không hợp lệ (",
    ),
    (
        "no legal basis in force on ",
        "không có căn cứ pháp lý có hiệu lực vào ngày ",
    ),
    ("newest date on the site: ", "ngày mới nhất trên cổng: "),
    ("(off-site, not fetched)", "(trang ngoài cổng, không tải)"),
    (" (rendered)", " (đọc trên trang đã mở bằng trình duyệt)"),
    ("(leads back to the home page)", "(dẫn về trang chủ)"),
    ("(the page answers ", "(trang trả về "),
    ("(the page only says ", "(trang chỉ có dòng "),
    ("page address matches ", "địa chỉ trang khớp "),
    ("links for all of: ", "có liên kết tới tất cả: "),
    ("site not audited: ", "chưa rà soát được cổng: "),
    ("served over http (", "dùng http, không dùng HTTPS ("),
    (" is not under .gov.vn", " không thuộc .gov.vn"),
    ("no page shows a date", "không trang nào ghi ngày"),
    ("robots.txt answers", "có robots.txt"),
    ("no robots.txt", "không có robots.txt"),
    (" on an empty page", " trên một trang trống"),
    ("image link (alt ", "ảnh liên kết (chú thích "),
    ("image link (title ", "ảnh liên kết (tiêu đề "),
    ("image link to ", "ảnh liên kết tới "),
    ("home-page block ", "khối trên trang chủ "),
    ("sidebar link ", "liên kết ở cột bên "),
    ("footer link ", "liên kết ở chân trang "),
    ("menu link ", "liên kết trên menu "),
    ("; newest date ", "; ngày mới nhất "),
    (" in a list", " trong danh sách"),
    (" in the text", " trong nội dung bài"),
    ("page titled ", "trang có tiêu đề "),
    ("heading ", "tiêu đề mục "),
    ("element ", "thành phần "),
    (": link ", ": liên kết "),
    ("block ", "khối "),
    ("link ", "liên kết "),
    ("text ", "nội dung "),
    ("host ", "tên miền "),
    (" on ", " tại "),
];

/// "newest date 2022-03-18 is 1716 days before 2026-11-28 (limit 30
/// days), listed on http://…/".
static STALE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^newest date (\S+) is (\d+) days before (\S+) \(limit (\d+) days\), (on|listed on) (\S+)$")
        .expect("static regex")
});

/// "not found in 57 pages (menu, header and footer; 14 section pages; 2
/// listings; 3 matching pages; 9 other pages; sitemap with 230 URLs, 4
/// naming the item); looked for …", as evaluation writes a missing item's
/// evidence.
static SEARCHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^not found in \d+ pages \(menu, header and footer; (\d+) section pages(?:; (\d+) listings)?(?:; (\d+) matching pages)?(?:; (\d+) other pages)?(?:; sitemap with (\d+) URLs, (\d+) naming the item)?\);")
        .expect("static regex")
});

/// "not required of department sites".
static OTHER_KIND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^not required of (\w+) sites$").expect("static regex"));

/// A finding's evidence as a reader gets it: for an item not found, where
/// we looked, in plain words; otherwise its evidence in `lang`.
#[must_use]
pub fn evidence_for(finding: &Finding, lang: Lang) -> Cow<'_, str> {
    match (finding.status, finding.pages_searched) {
        (Status::Missing, Some(pages)) if finding.evidence.starts_with("not found in ") => {
            let mut text = where_looked(pages, searched(&finding.evidence).as_ref(), lang);
            text.push_str(&not_rendered(&finding.evidence, lang));
            Cow::Owned(text)
        }
        _ => evidence_text(&finding.evidence, lang),
    }
}

/// "; not rendered: Chromium not installed (3 pages look built by
/// JavaScript)", as evaluation ends a missing item's evidence on a site
/// some of whose pages needed a browser and did not get one.
static NOT_RENDERED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"; not rendered: (.*) \((\d+) pages look built by JavaScript\)$")
        .expect("static regex")
});

/// The end of a missing item's evidence that says pages were not
/// rendered, in `lang`; empty when it does not.
fn not_rendered(evidence: &str, lang: Lang) -> String {
    let Some(c) = NOT_RENDERED.captures(evidence) else {
        return String::new();
    };
    let (why, pages) = (&c[1], &c[2]);
    match lang {
        Lang::En => format!("; not rendered: {why} ({pages} pages look built by JavaScript)"),
        Lang::Vi => {
            let why = [
                NotRendered::Off,
                NotRendered::NoChromium,
                NotRendered::BrowserFailed,
                NotRendered::RenderCap,
            ]
            .into_iter()
            .find(|w| w.reason() == why)
            .map_or(why, |w| not_rendered_vi(w));
            format!(
                ". Chưa mở được bằng trình duyệt: {why} ({pages} trang có dấu hiệu dựng bằng JavaScript, chỉ đánh giá theo HTML)"
            )
        }
    }
}

/// What the crawl searched for a missing item, as its evidence says.
fn searched(evidence: &str) -> Option<Searched> {
    let c = SEARCHED.captures(evidence)?;
    let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse().ok());
    Some(Searched {
        sections: n(1)?,
        listings: n(2).unwrap_or(0),
        matching: n(3).unwrap_or(0),
        other: n(4).unwrap_or(0),
        sitemap: n(5).zip(n(6)),
    })
}

/// `evidence` in `lang`.
#[must_use]
pub fn evidence_text(evidence: &str, lang: Lang) -> Cow<'_, str> {
    if lang == Lang::En || evidence.is_empty() {
        return Cow::Borrowed(evidence);
    }
    if let Some(c) = STALE.captures(evidence) {
        let (date, age, as_of, limit, url) = (&c[1], &c[2], &c[3], &c[4], &c[6]);
        let place = if &c[5] == "on" {
            "tại"
        } else {
            "ghi trong danh sách tại"
        };
        return Cow::Owned(format!(
            "ngày mới nhất {date} đã cách ngày {as_of} là {age} ngày (giới hạn {limit} ngày), {place} {url}"
        ));
    }
    if let Some(c) = OTHER_KIND.captures(evidence) {
        let kind = c[1]
            .parse::<SiteKind>()
            .map_or_else(|_| c[1].to_owned(), |k| kind_word(k, lang).to_owned());
        return Cow::Owned(format!("không bắt buộc với {kind}"));
    }
    // The one phrase that quotes words of its own.
    let evidence = evidence.replace(
        "the page is the site's generic “not found” page (answered with 200)",
        "trang là trang “không tìm thấy” chung của cổng (trả về mã 200)",
    );
    let mut out = String::with_capacity(evidence.len() + 32);
    for (text, protected) in segments(&evidence) {
        if protected {
            out.push_str(text);
        } else {
            out.push_str(&translate(text));
        }
    }
    Cow::Owned(out)
}

/// Puts the fixed phrases of one unquoted stretch in Vietnamese.
fn translate(text: &str) -> String {
    let mut out = text.to_owned();
    for (english, vietnamese) in PHRASES {
        if out.contains(english) {
            out = out.replace(english, vietnamese);
        }
    }
    out
}

/// `evidence` cut into stretches of fixed phrases and protected stretches:
/// “quotes”, `selectors` and web addresses, which stay as they are.
fn segments(evidence: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut rest = evidence;
    while !rest.is_empty() {
        let next = [
            rest.find('“').map(|i| (i, Closing::Char('”'))),
            rest.find('`').map(|i| (i, Closing::Char('`'))),
            rest.find("http://").map(|i| (i, Closing::Space)),
            rest.find("https://").map(|i| (i, Closing::Space)),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|(i, _)| *i);
        let Some((start, closing)) = next else {
            out.push((rest, false));
            break;
        };
        if start > 0 {
            out.push((&rest[..start], false));
        }
        let after = &rest[start..];
        let first = after.chars().next().map_or(0, char::len_utf8);
        let end = match closing {
            Closing::Char(c) => after[first..]
                .find(c)
                .map_or(after.len(), |i| first + i + c.len_utf8()),
            // An address ends at white space; a `;`, `,` or `)` right after
            // it belongs to the phrase around it.
            Closing::Space => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                after[..end].trim_end_matches([';', ',', ')']).len()
            }
        };
        out.push((&after[..end], true));
        rest = &after[end..];
    }
    out
}

enum Closing {
    Char(char),
    Space,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_put_in_vietnamese_and_quotes_kept() {
        let vi = |e: &str| evidence_text(e, Lang::Vi).into_owned();
        assert_eq!(
            vi("menu link “Công khai ngân sách” on http://a.vn/ (the page answers HTTP 404)"),
            "liên kết trên menu “Công khai ngân sách” tại http://a.vn/ (trang trả về HTTP 404)"
        );
        assert_eq!(
            vi("link “on the text link” in a list on http://a.vn/x (off-site, not fetched)"),
            "liên kết “on the text link” trong danh sách tại http://a.vn/x (trang ngoài cổng, không tải)"
        );
        assert_eq!(
            vi(
                "newest date 2022-03-18 is 1716 days before 2026-11-28 (limit 30 days), listed on http://a.vn/"
            ),
            "ngày mới nhất 2022-03-18 đã cách ngày 2026-11-28 là 1716 ngày (giới hạn 30 ngày), ghi trong danh sách tại http://a.vn/"
        );
        assert_eq!(
            vi("not required of department sites"),
            "không bắt buộc với Sở, ban, ngành"
        );
        assert_eq!(
            vi("menu link “Tin tức” on http://a.vn/; no date found to judge freshness"),
            "liên kết trên menu “Tin tức” tại http://a.vn/; không thấy ngày để đánh giá tính cập nhật"
        );
        assert_eq!(
            vi("element `form[role=search] input`"),
            "thành phần `form[role=search] input`"
        );
        assert_eq!(
            evidence_text("menu link “x” on http://a.vn/", Lang::En),
            "menu link “x” on http://a.vn/"
        );
    }

    #[test]
    fn a_missing_item_says_where_the_crawl_searched() {
        let mut finding = Finding {
            item_id: "budget_finance".into(),
            item_title: "Công khai ngân sách".into(),
            item_title_en: None,
            status: Status::Missing,
            evidence_url: None,
            evidence: "".into(),
            pages_searched: Some(57),
            basis: "".into(),
            weight: 1.0,
            report_only: false,
            placement: crate::finding::Placement::default(),
        };
        finding.evidence = "not found in 57 pages (menu, header and footer; 14 section pages; 3 matching pages; sitemap with 230 URLs, 4 naming the item); looked for link_text(x)".into();
        assert_eq!(
            evidence_for(&finding, Lang::En),
            "Not found on the 57 pages audited: menu, header and footer; 14 section pages; 3 pages whose link or address matches; sitemap with 230 URLs, 4 naming the item"
        );
        assert_eq!(
            evidence_for(&finding, Lang::Vi),
            "Không tìm thấy trên 57 trang đã rà soát: menu, đầu trang, chân trang; 14 trang chuyên mục; 3 trang có tên hoặc địa chỉ gần khớp; sơ đồ trang (sitemap) gồm 230 địa chỉ, 4 địa chỉ gần khớp với mục này"
        );
        finding.evidence = "not found in 57 pages; looked for link_text(x)".into();
        assert!(evidence_for(&finding, Lang::Vi).ends_with("các khối và trang chuyên mục)"));
        // Pages that needed a browser and did not get one: said in both.
        finding.evidence = "not found in 57 pages (menu, header and footer; 14 section pages); looked for link_text(x); not rendered: Chromium not installed (3 pages look built by JavaScript)".into();
        assert!(evidence_for(&finding, Lang::En).ends_with(
            "; not rendered: Chromium not installed (3 pages look built by JavaScript)"
        ));
        let vi = evidence_for(&finding, Lang::Vi);
        assert!(
            vi.starts_with("Không tìm thấy trên 57 trang đã rà soát: menu, đầu trang, chân trang; 14 trang chuyên mục")
                && vi.ends_with(". Chưa mở được bằng trình duyệt: máy rà soát chưa cài Chromium (3 trang có dấu hiệu dựng bằng JavaScript, chỉ đánh giá theo HTML)"),
            "{vi}"
        );
    }
}
