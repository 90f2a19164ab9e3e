//! The report's own words, in Vietnamese and English: headings, labels and
//! the names of statuses and kinds of site.

use super::Lang;
use crate::finding::Status;
use crate::target::SiteKind;

/// The report's own words in one language.
pub(super) struct Ui {
    pub(super) html_lang: &'static str,
    pub(super) title: &'static str,
    pub(super) as_of: &'static str,
    pub(super) sites: &'static str,
    pub(super) checklist: &'static str,
    pub(super) ruleset: &'static str,
    pub(super) interrupted: &'static str,
    pub(super) summary: &'static str,
    pub(super) agency: &'static str,
    pub(super) kind: &'static str,
    pub(super) score: &'static str,
    pub(super) not_audited: &'static str,
    pub(super) matrix: &'static str,
    pub(super) legend: &'static str,
    pub(super) to_fix: &'static str,
    pub(super) item: &'static str,
    pub(super) status: &'static str,
    pub(super) basis: &'static str,
    pub(super) evidence: &'static str,
    pub(super) where_looked: &'static str,
    pub(super) pages_searched: &'static str,
    pub(super) nothing_to_fix: &'static str,
    pub(super) address: &'static str,
    pub(super) pages_crawled: &'static str,
    pub(super) notes: &'static str,
    pub(super) changes: &'static str,
    pub(super) no_changes: &'static str,
    pub(super) before_after: &'static str,
    pub(super) regression: &'static str,
    pub(super) back: &'static str,
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

pub(super) fn ui(lang: Lang) -> &'static Ui {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

pub(super) fn status_label(status: Status, lang: Lang) -> &'static str {
    crate::report::words::status_word(status, lang)
}

pub(super) fn kind_label(kind: SiteKind, lang: Lang) -> &'static str {
    crate::report::words::kind_word(kind, lang)
}
