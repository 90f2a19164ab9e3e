//! The words the outputs leaders read are written in, in Vietnamese (the
//! default for Vietnamese checklists) and English: status words, kinds of
//! agency, what went wrong with a site and what to do about it, the notes on
//! a crawl, where an item is normally placed, and the CSV headers.
//! `run.json` never uses them: it keeps ids and English codes for scripts.

use super::Lang;
use crate::finding::{Finding, Placement, Status};
use crate::page::FailureKind;
use crate::run::Note;
use crate::run::SiteResult;
use crate::site::{NotRendered, StopReason};
use crate::target::SiteKind;

/// A status as a leader reads it.
#[must_use]
pub fn status_word(status: Status, lang: Lang) -> &'static str {
    match (lang, status) {
        (Lang::Vi, Status::Present) => "Đạt",
        (Lang::Vi, Status::Missing) => "Thiếu",
        (Lang::Vi, Status::Placeholder) => "Để trống",
        (Lang::Vi, Status::Stale) => "Quá hạn",
        (Lang::Vi, Status::Unknown) => "Chưa rà soát được",
        (Lang::Vi, Status::NotApplicable) => "Không áp dụng",
        (Lang::En, Status::Present) => "Present",
        (Lang::En, Status::Missing) => "Missing",
        (Lang::En, Status::Placeholder) => "Placeholder",
        (Lang::En, Status::Stale) => "Stale",
        (Lang::En, Status::Unknown) => "Unknown",
        (Lang::En, Status::NotApplicable) => "Not applicable",
    }
}

/// A kind of agency as a leader reads it.
#[must_use]
pub fn kind_word(kind: SiteKind, lang: Lang) -> &'static str {
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

/// How a site's audit ended, in words: "Đã rà soát", or what went wrong.
#[must_use]
pub fn outcome_word(failure: Option<FailureKind>, lang: Lang) -> &'static str {
    let Some(kind) = failure else {
        return match lang {
            Lang::Vi => "Đã rà soát",
            Lang::En => "Audited",
        };
    };
    match lang {
        Lang::En => kind.description(),
        Lang::Vi => failure_vi(kind).0,
    }
}

/// What the agency can do about a failure, in `lang`.
#[must_use]
pub fn failure_hint(kind: FailureKind, lang: Lang) -> &'static str {
    match lang {
        Lang::En => kind.hint(),
        Lang::Vi => failure_vi(kind).1,
    }
}

/// A failure's name and what to do about it, in Vietnamese.
fn failure_vi(kind: FailureKind) -> (&'static str, &'static str) {
    match kind {
        FailureKind::DnsError => (
            "Không phân giải được tên miền",
            "Kiểm tra bản ghi DNS của tên miền với nhà đăng ký.",
        ),
        FailureKind::ConnectRefused => (
            "Máy chủ từ chối kết nối",
            "Kiểm tra máy chủ web đang chạy và tường lửa cho phép truy cập.",
        ),
        FailureKind::ConnectReset => (
            "Máy chủ ngắt kết nối",
            "Kiểm tra nhật ký máy chủ web, bộ cân bằng tải và tường lửa.",
        ),
        FailureKind::Timeout => (
            "Máy chủ trả lời quá chậm",
            "Kiểm tra tải, đường truyền và hiệu năng ứng dụng của máy chủ.",
        ),
        FailureKind::TlsInvalidCert => (
            "Chứng thư số (TLS) không hợp lệ",
            "Gia hạn chứng thư số từ tổ chức cung cấp tin cậy (hết hạn, tự ký hoặc sai tên miền).",
        ),
        FailureKind::TlsHandshake => (
            "Không thiết lập được kết nối bảo mật",
            "Bật TLS 1.2 hoặc 1.3 với bộ mã hóa hiện hành.",
        ),
        FailureKind::TooManyRedirects => (
            "Chuyển hướng quá nhiều lần",
            "Rút gọn chuỗi chuyển hướng của địa chỉ.",
        ),
        FailureKind::RedirectLoop => ("Chuyển hướng vòng lặp", "Sửa quy tắc chuyển hướng."),
        FailureKind::RedirectOutOfScope => (
            "Chuyển hướng sang trang khác",
            "Kiểm tra địa chỉ trong danh sách cổng, hoặc rà soát với --follow-start-redirects.",
        ),
        FailureKind::RateLimited => (
            "Máy chủ chặn vì quá nhiều yêu cầu",
            "Cho phép công cụ rà soát gửi vài yêu cầu mỗi giây.",
        ),
        FailureKind::Http4xx => (
            "Trang không tồn tại hoặc bị cấm truy cập",
            "Khôi phục trang hoặc sửa liên kết.",
        ),
        FailureKind::Http5xx => ("Máy chủ báo lỗi", "Kiểm tra nhật ký lỗi của ứng dụng."),
        FailureKind::RobotsDisallowed => (
            "robots.txt cấm rà soát",
            "Cho phép truy cập các trang công khai để người dân tìm thấy qua công cụ tìm kiếm.",
        ),
        FailureKind::NotHtml => ("Địa chỉ không phải trang web", "Kiểm tra địa chỉ cổng."),
        FailureKind::BodyTooLarge => ("Trang quá lớn", "Chia nhỏ trang hoặc bỏ dữ liệu nhúng."),
        FailureKind::EmptyResponse => ("Máy chủ trả về trang trống", "Kiểm tra ứng dụng."),
        FailureKind::InvalidUrl => ("Địa chỉ không hợp lệ", "Sửa địa chỉ trong danh sách cổng."),
        FailureKind::Network => ("Lỗi mạng", "Kiểm tra kết nối mạng tới máy chủ."),
        FailureKind::AlreadyFetched => (
            "Chuyển hướng tới trang đã rà soát",
            "Dùng trực tiếp địa chỉ cuối cùng.",
        ),
        FailureKind::Internal => (
            "Lỗi của công cụ rà soát",
            "Báo lỗi kèm nhật ký cho bộ phận kỹ thuật.",
        ),
        FailureKind::Interrupted => ("Rà soát bị dừng giữa chừng", "Chạy lại lần rà soát."),
    }
}

/// A note on a site's crawl, in `lang`.
#[must_use]
pub fn note_text(note: &Note, lang: Lang) -> String {
    match (lang, note) {
        (Lang::En, Note::PageCap(pages)) => format!("page cap reached ({pages} pages)"),
        (Lang::Vi, Note::PageCap(pages)) => format!("đã đạt giới hạn {pages} trang"),
        (Lang::En, Note::Interrupted) => "interrupted before the crawl ended".into(),
        (Lang::Vi, Note::Interrupted) => "bị dừng trước khi rà soát xong".into(),
        (Lang::En, Note::TimeBudget) => "site time budget ran out".into(),
        (Lang::Vi, Note::TimeBudget) => "hết thời gian dành cho cổng này".into(),
        (Lang::En, Note::PagesFailed(n)) => format!("{n} pages failed"),
        (Lang::Vi, Note::PagesFailed(n)) => format!("{n} trang không tải được"),
        (Lang::En, Note::OtherLanguage { read, left }) => format!(
            "pages in another language: {read} read, {left} left (a tenth of the page budget)"
        ),
        (Lang::Vi, Note::OtherLanguage { read, left }) => format!(
            "trang tiếng nước ngoài: đã đọc {read}, bỏ qua {left} (một phần mười giới hạn trang)"
        ),
        (Lang::En, Note::LeftSite(left)) => match &left.shared_domain {
            Some(domain) => format!(
                "the start URL redirects to {}, another address under the same registrable domain {domain}: check the URL in the targets file, or pass --follow-start-redirects",
                left.to
            ),
            None => format!(
                "the start URL redirects to {}, which leaves the site",
                left.to
            ),
        },
        (Lang::Vi, Note::LeftSite(left)) => match &left.shared_domain {
            Some(domain) => format!(
                "địa chỉ chuyển hướng tới {}, một địa chỉ khác cùng tên miền {domain}: kiểm tra địa chỉ trong danh sách cổng, hoặc rà soát với --follow-start-redirects",
                left.to
            ),
            None => format!("địa chỉ chuyển hướng tới {}, ra ngoài cổng này", left.to),
        },
        (Lang::En, Note::NotAudited { detail, .. }) => detail.clone(),
        (Lang::Vi, Note::NotAudited { kind, .. }) => failure_vi(*kind).0.to_owned(),
        (
            _,
            Note::Rendered {
                pages,
                blocked,
                hosts,
            },
        ) => rendered_note(*pages, *blocked, hosts, lang),
        (Lang::En, Note::NotRendered { pages, why }) => format!(
            "{pages} pages look built by JavaScript and were judged from their HTML: {}",
            why.reason()
        ),
        (Lang::Vi, Note::NotRendered { pages, why }) => format!(
            "{pages} trang có dấu hiệu dựng bằng JavaScript nhưng chưa mở được bằng trình duyệt, chỉ đánh giá theo HTML: {}",
            not_rendered_vi(*why)
        ),
    }
}

/// "3 pages rendered in a browser; 12 requests to other hosts blocked
/// (google-analytics.com, …)".
fn rendered_note(pages: usize, blocked: usize, hosts: &[String], lang: Lang) -> String {
    let hosts = if hosts.is_empty() {
        String::new()
    } else {
        format!(" ({})", hosts.join(", "))
    };
    match (lang, blocked) {
        (Lang::En, 0) => format!("{pages} pages rendered in a browser"),
        (Lang::En, _) => format!(
            "{pages} pages rendered in a browser; {blocked} of their requests blocked{hosts}"
        ),
        (Lang::Vi, 0) => {
            format!("{pages} trang được mở bằng trình duyệt để đọc phần do JavaScript dựng")
        }
        (Lang::Vi, _) => format!(
            "{pages} trang được mở bằng trình duyệt để đọc phần do JavaScript dựng; chặn {blocked} yêu cầu{hosts}"
        ),
    }
}

/// Why a page was not rendered, in Vietnamese.
#[must_use]
pub fn not_rendered_vi(why: NotRendered) -> &'static str {
    match why {
        NotRendered::Off => "chế độ trình duyệt đang tắt (--render never)",
        NotRendered::NoChromium => "máy rà soát chưa cài Chromium",
        NotRendered::BrowserFailed => "trình duyệt gặp lỗi hoặc quá thời gian",
        NotRendered::RenderCap => "đã hết số trang được mở bằng trình duyệt (--max-renders)",
    }
}

/// Why a site's crawl stopped, in a few words: every item settled, every
/// link followed, or a budget spent.
#[must_use]
pub fn stop_word(stopped: StopReason, lang: Lang) -> &'static str {
    match (lang, stopped) {
        (Lang::Vi, StopReason::AllSettled) => "đủ căn cứ",
        (Lang::Vi, StopReason::Exhausted) => "đã duyệt hết",
        (Lang::Vi, StopReason::PageBudget) => "hết số trang",
        (Lang::Vi, StopReason::TimeBudget) => "hết thời gian",
        (Lang::Vi, StopReason::Interrupted) => "bị dừng",
        (Lang::Vi, StopReason::NotCrawled) => "không rà soát được",
        (Lang::En, stopped) => stopped.code(),
    }
}

/// Where an item is normally placed, in `lang`.
#[must_use]
pub fn placement_word(placement: Placement, lang: Lang) -> &'static str {
    match (lang, placement) {
        (Lang::Vi, Placement::MainMenu) => "Menu chính",
        (Lang::Vi, Placement::Footer) => "Chân trang",
        (Lang::Vi, Placement::Header) => "Đầu trang",
        (Lang::Vi, Placement::OnPages) => "Trên các trang",
        (Lang::Vi, Placement::Server) => "Cấu hình máy chủ, tên miền",
        (Lang::En, Placement::MainMenu) => "Main menu",
        (Lang::En, Placement::Footer) => "Footer",
        (Lang::En, Placement::Header) => "Header",
        (Lang::En, Placement::OnPages) => "On the pages",
        (Lang::En, Placement::Server) => "Server and domain settings",
    }
}

/// Where the crawl searched for a missing item: pages fetched because the
/// site's structure links them, listings, pages whose label or address
/// names an item, other pages, and the sitemap read as an index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Searched {
    /// Pages the menus, footer, sidebars and banners link.
    pub sections: usize,
    /// First pages of listings.
    pub listings: usize,
    /// Pages whose link label or address names an item.
    pub matching: usize,
    /// Other pages.
    pub other: usize,
    /// Pages the sitemap lists, and how many of them name the item (the
    /// crawl reads those before it calls the item missing).
    pub sitemap: Option<(usize, usize)>,
}

/// Where we looked for a missing item, in words a leader reads; with what
/// the crawl searched, when the finding says.
#[must_use]
pub fn where_looked(pages: usize, searched: Option<&Searched>, lang: Lang) -> String {
    let Some(s) = searched else {
        return match lang {
            Lang::Vi => format!(
                "Không tìm thấy trên {pages} trang đã rà soát (menu, đầu trang, chân trang, các khối và trang chuyên mục)"
            ),
            Lang::En => format!(
                "Not found on the {pages} pages audited (menus, header, footer, blocks and section pages)"
            ),
        };
    };
    let mut parts = Vec::new();
    let mut add = |n: usize, vi: &str, en: &str| {
        if n > 0 {
            parts.push(match lang {
                Lang::Vi => format!("{n} {vi}"),
                Lang::En => format!("{n} {en}"),
            });
        }
    };
    add(s.sections, "trang chuyên mục", "section pages");
    add(s.listings, "trang danh sách", "listings");
    add(
        s.matching,
        "trang có tên hoặc địa chỉ gần khớp",
        "pages whose link or address matches",
    );
    add(s.other, "trang khác", "other pages");
    if let Some((urls, matching)) = s.sitemap {
        parts.push(match lang {
            Lang::Vi if matching > 0 => format!(
                "sơ đồ trang (sitemap) gồm {urls} địa chỉ, {matching} địa chỉ gần khớp với mục này"
            ),
            Lang::Vi => format!(
                "sơ đồ trang (sitemap) gồm {urls} địa chỉ, không địa chỉ nào khớp với mục này"
            ),
            Lang::En if matching > 0 => {
                format!("sitemap with {urls} URLs, {matching} naming the item")
            }
            Lang::En => format!("sitemap with {urls} URLs, none naming the item"),
        });
    }
    let rest = parts.iter().map(|p| format!("; {p}")).collect::<String>();
    match lang {
        Lang::Vi => format!(
            "Không tìm thấy trên {pages} trang đã rà soát: menu, đầu trang, chân trang{rest}"
        ),
        Lang::En => {
            format!("Not found on the {pages} pages audited: menu, header and footer{rest}")
        }
    }
}

/// A CSV column's header in `lang`: the field name in English (the stable
/// snake_case ids), a leader's words in Vietnamese.
#[must_use]
pub fn header(field: &str, lang: Lang) -> &str {
    if lang == Lang::En {
        return field;
    }
    match field {
        "agency" | "site_name" => "Cơ quan",
        "kind" => "Loại",
        "score" => "Điểm",
        "score_change" => "Thay đổi so với lần trước",
        "present" => "Đạt",
        "missing" => "Thiếu",
        "placeholder" => "Để trống",
        "stale" => "Quá hạn",
        "to_add" => "Cần bổ sung",
        "outcome" => "Tình trạng rà soát",
        "site_id" => "Mã",
        "url" => "Địa chỉ",
        "final_url" => "Địa chỉ sau chuyển hướng",
        "status_code" => "Mã tình trạng",
        "errors" => "Lỗi và cách khắc phục",
        "checklist" => "Bộ tiêu chí",
        "ruleset" => "Văn bản áp dụng",
        "as_of" => "Ngày rà soát",
        "pages_crawled" => "Số trang đã rà soát",
        "not_applicable" => "Không áp dụng",
        "missing_items" => "Mã các mục cần bổ sung",
        "notes" => "Ghi chú",
        "incomplete" => "Chưa hoàn tất",
        "item_id" => "Mã mục",
        "item_title" => "Mục",
        "status" => "Kết quả",
        "evidence_url" => "Địa chỉ bằng chứng",
        "evidence" => "Bằng chứng / nơi đã tìm",
        "pages_searched" => "Số trang đã tìm",
        "basis" => "Căn cứ pháp lý",
        "weight" => "Trọng số",
        "placement" => "Nơi thường đặt",
        "before" => "Lần trước",
        "after" => "Lần này",
        "regression" => "Giảm",
        other => other,
    }
}

/// An item's title in `lang`: the English gloss when asked for and given.
#[must_use]
pub fn item_title(f: &Finding, lang: Lang) -> &str {
    match (lang, &f.item_title_en) {
        (Lang::En, Some(en)) if !en.is_empty() => en,
        _ => &f.item_title,
    }
}

/// The titles of the scored items a site must add or fix, `;`-separated (a
/// `;` inside a title becomes a comma, so the list splits cleanly).
#[must_use]
pub fn titles_to_add(site: &SiteResult, lang: Lang) -> String {
    site.findings
        .iter()
        .filter(|f| f.to_fix())
        .map(|f| item_title(f, lang).replace(';', ","))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether a change is a regression, as a cell says it.
#[must_use]
pub fn regression_word(regression: bool, lang: Lang) -> &'static str {
    match (regression, lang) {
        (false, _) => "",
        (true, Lang::Vi) => "có",
        (true, Lang::En) => "yes",
    }
}
