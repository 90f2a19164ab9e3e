//! Detection cases from issue #3's acceptance lines, each on a small site
//! built in the test and served on 127.0.0.1.

use portal_audit::finding::Status;
use portal_audit::fixture_server::FixtureSite;
use portal_audit::run::SiteResult;
use portal_audit::target::SiteKind;

use crate::support::{audit_served, serve_all};

/// A page with a realistic chrome: header, menu, footer, and `content`.
fn page(menu: &str, content: &str) -> Vec<u8> {
    format!(
        r#"<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Sở Tài chính</title></head>
<body><header><img src="/logo.png" alt="logo"><h1>SỞ TÀI CHÍNH TỈNH MẪU</h1></header>
<nav><ul><li><a href="/">Trang chủ</a></li>{menu}</ul></nav>
<main>{content}</main>
<footer><p>Cơ quan chủ quản: Sở Tài chính tỉnh Mẫu. Địa chỉ: 12 Trần Hưng Đạo, phường Quyết Tâm.</p>
<p>Điện thoại: (0212) 3852 615 - Email: stc@mau.gov.vn</p></footer></body></html>"#
    )
    .into_bytes()
}

async fn audit_one(site: FixtureSite) -> SiteResult {
    let served = serve_all(vec![site]).await;
    audit_served(&served)
        .await
        .sites
        .get(0)
        .unwrap()
        .into_owned()
}

fn status(site: &SiteResult, item: &str) -> (Status, String) {
    let f = site
        .findings
        .iter()
        .find(|f| &*f.item_id == item)
        .unwrap_or_else(|| panic!("no {item}"));
    (
        f.status,
        format!(
            "{} [{}]",
            f.evidence,
            f.evidence_url.clone().unwrap_or_default()
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budget_menu_link_to_an_updating_page_is_a_placeholder() {
    let menu = r#"<li><a href="/index.php?cat=7">Công khai ngân sách</a></li><li><a href="/tin-tuc.html">Tin tức</a></li>"#;
    let site = FixtureSite::in_memory(
        "stc",
        SiteKind::Department,
        vec![
            (
                "index.html",
                page(
                    menu,
                    "<h2>Tin mới</h2><p>Ngày 20/11/2026: Hội nghị triển khai dự toán.</p>",
                ),
            ),
            (
                "index.php@cat=7",
                page(
                    menu,
                    "<h2>Công khai ngân sách</h2><p>Nội dung đang được cập nhật.</p>",
                ),
            ),
            (
                "tin-tuc.html",
                page(
                    menu,
                    "<h2>Tin tức</h2><ul><li>25/11/2026 Hội nghị tổng kết năm</li></ul>",
                ),
            ),
        ],
    );
    let result = audit_one(site).await;
    let (st, evidence) = status(&result, "budget_finance");
    assert_eq!(st, Status::Placeholder, "{evidence}");
    assert!(
        evidence.contains("Nội dung đang được cập nhật"),
        "{evidence}"
    );
    assert_eq!(status(&result, "news").0, Status::Present);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn news_ninety_days_old_is_stale_with_its_date() {
    let menu = r#"<li><a href="/tin-tuc/">Tin tức - Sự kiện</a></li>"#;
    let site = FixtureSite::in_memory(
        "old",
        SiteKind::Department,
        vec![
            ("index.html", page(menu, "<p>Chào mừng quý khách.</p>")),
            (
                "tin-tuc/index.html",
                page(
                    menu,
                    "<h2>Tin tức - Sự kiện</h2><ul><li>Hội nghị sơ kết <span>30/08/2026</span></li><li>Tập huấn <span>ngày 2 tháng 7 năm 2026</span></li></ul>",
                ),
            ),
        ],
    );
    let result = audit_one(site).await;
    let (st, evidence) = status(&result, "news");
    assert_eq!(st, Status::Stale, "{evidence}");
    assert!(
        evidence.contains("2026-08-30") && evidence.contains("90 days"),
        "{evidence}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unaccented_label_to_an_opaque_url_is_found() {
    let menu = r#"<li><a href="/index.php?cat=12">Thu tuc hanh chinh</a></li>"#;
    let site = FixtureSite::in_memory(
        "tthc",
        SiteKind::District,
        vec![
            ("index.html", page(menu, "<p>Cổng thông tin huyện.</p>")),
            (
                "index.php@cat=12",
                page(
                    menu,
                    "<h2>Danh mục</h2><table><tr><td>Cấp giấy khai sinh</td><td>Hộ tịch</td></tr></table>",
                ),
            ),
        ],
    );
    let result = audit_one(site).await;
    let (st, evidence) = status(&result, "admin_procedures");
    assert_eq!(st, Status::Present, "{evidence}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_that_answers_200_for_everything_gets_no_credit_for_broken_sections() {
    let menu = r#"<li><a href="/cong-khai-ngan-sach.html">Công khai ngân sách</a></li>
        <li><a href="/thong-ke.html">Thống kê</a></li><li><a href="/hoi-dap.html">Hỏi đáp</a></li>
        <li><a href="/van-ban.html">Văn bản</a></li>"#;
    let site = FixtureSite::in_memory(
        "catchall",
        SiteKind::Department,
        vec![
            ("index.html", page(menu, "<p>Chào mừng quý khách đến với cổng thông tin.</p>")),
            ("loi.html", page(menu, "<h2>Thông báo</h2><p>Trang bạn tìm không tồn tại hoặc đã bị xóa. Vui lòng quay lại trang chủ.</p>")),
            ("hoi-dap.html", page(menu, "<p>Trang bạn tìm không tồn tại hoặc đã bị xóa. Vui lòng quay lại trang chủ.</p>")),
            ("van-ban.html", page(menu, "<h2>Văn bản</h2><table><tr><td>Số ký hiệu</td><td>Trích yếu</td></tr><tr><td>12/2026/QĐ-UBND</td><td>Quy định phân cấp</td></tr></table>")),
        ],
    )
    .with_fallback("loi.html");
    let result = audit_one(site).await;
    for item in ["budget_finance", "statistics", "qa_feedback"] {
        let (st, evidence) = status(&result, item);
        assert_eq!(st, Status::Placeholder, "{item}: {evidence}");
    }
    assert_eq!(status(&result, "legal_documents").0, Status::Present);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_1258_page_with_budget_link_is_decoded() {
    let menu = "<li><a href=\"/index.php?cat=3\">Công khai ngân sách</a></li>";
    let html = String::from_utf8(page(menu, "<p>Trang chủ.</p>"))
        .unwrap()
        .replace(
            "<meta charset=\"utf-8\">",
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1258\">",
        );
    let body = page(
        menu,
        "<h2>Công khai ngân sách</h2><p>Công khai dự toán ngân sách năm 2026 (Quyết định số 12/QĐ-STC ngày 05/01/2026).</p>",
    );
    let site = FixtureSite::in_memory(
        "cp1258",
        SiteKind::Department,
        vec![
            ("home.html", windows_1258(&html)),
            ("index.php@cat=3", body),
        ],
    )
    .with_route("/", 200, Some("home.html"), Some("text/html"));
    let result = audit_one(site).await;
    let (st, evidence) = status(&result, "budget_finance");
    assert_eq!(st, Status::Present, "{evidence}");
}

/// Encodes Vietnamese as Windows-1258 does: base letters precomposed, tone
/// marks as separate combining bytes.
fn windows_1258(text: &str) -> Vec<u8> {
    use unicode_normalization::UnicodeNormalization;
    const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
    let mut out = Vec::new();
    for c in text.chars() {
        let mut buffer = [0; 4];
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(c.encode_utf8(&mut buffer));
        if !unmappable {
            out.extend_from_slice(&bytes);
            continue;
        }
        let parts: Vec<char> = c.to_string().nfd().collect();
        let base: String = parts
            .iter()
            .filter(|p| !TONES.contains(p))
            .collect::<String>()
            .nfc()
            .collect();
        let tones: String = parts.iter().filter(|p| TONES.contains(p)).collect();
        out.extend_from_slice(&encoding_rs::WINDOWS_1258.encode(&base).0);
        out.extend_from_slice(&encoding_rs::WINDOWS_1258.encode(&tones).0);
    }
    out
}

/// A US federal site, judged by the `us-federal` checklist named in the
/// targets file's `checklist` column: required links to the parent agency's
/// site count as present, are recorded as evidence, and are never fetched
/// (nor resolved: the only host contacted is the loopback site).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn us_federal_links_to_the_parent_agency_count_without_being_fetched() {
    let html = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Federal Acquisition Service</title></head>
<body><header><a href="/">Home</a> <a href="/about-us">About us</a>
<form action="/search" role="search"><input type="search" name="q"></form></header>
<main><h1>Federal Acquisition Service</h1><p>Buying for government.</p></main>
<footer><a href="https://www.gsa.gov/reference/freedom-of-information-act-foia">FOIA</a>
<a href="https://www.gsa.gov/website-information/accessibility-statement">Accessibility</a>
<a href="https://www.gsa.gov/website-information/website-policies#privacy">Privacy policy</a>
<a href="https://www.usa.gov/">USA.gov</a> <a href="mailto:fas@example.gov">Contact</a></footer></body></html>"#;
    let about = "<html><body><h1>About us</h1><p>FAS delivers goods and services to agencies.</p></body></html>";
    let site = FixtureSite::in_memory(
        "fas",
        SiteKind::Department,
        vec![
            ("index.html", html.as_bytes().to_vec()),
            ("about-us", about.as_bytes().to_vec()),
        ],
    );
    let served = serve_all(vec![site]).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("T.csv"),
        format!("id,name,kind,url,checklist\nfas,Federal Acquisition Service,department,{},us-federal\n", served[0].url),
    )
    .unwrap();
    let args = [
        "audit",
        "--targets",
        "T.csv",
        "--out",
        "D",
        "--quiet",
        "--as-of",
        "2026-11-28",
    ];
    let out = crate::support::run_binary(&args, dir.path()).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings = crate::support::read_csv(&dir.path().join("D/findings.csv"));
    let row = |id: &str| {
        findings
            .iter()
            .find(|r| r["item_id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
            .clone()
    };
    assert_eq!(findings.len(), 11, "the us-federal items");
    let foia = row("foia");
    assert_eq!(foia["status"], "present");
    assert!(
        foia["evidence_url"].starts_with("https://www.gsa.gov/"),
        "{foia:?}"
    );
    assert!(
        foia["evidence"].contains("off-site, not fetched"),
        "{foia:?}"
    );
    for present in [
        "about",
        "accessibility",
        "privacy",
        "usa_gov",
        "contact",
        "site_search",
    ] {
        assert_eq!(row(present)["status"], "present", "{present}");
    }
    for missing in [
        "no_fear_act",
        "inspector_general",
        "vulnerability_disclosure",
        "budget_performance",
    ] {
        assert_eq!(row(missing)["status"], "missing", "{missing}");
    }
    let scorecard = crate::support::read_csv(&dir.path().join("D/scorecard.csv"));
    assert!(
        scorecard[0]["checklist"].starts_with("us-federal@"),
        "{:?}",
        scorecard[0]
    );
    assert!(
        served[0].requests().iter().all(|r| r.starts_with('/')),
        "only the loopback site was asked"
    );
}

/// A news section that shows no dates of its own is dated by the sitemap's
/// `<lastmod>`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitemap_lastmod_dates_a_section_without_visible_dates() {
    let menu = r#"<li><a href="/tin-tuc/">Tin tức</a></li>"#;
    let sitemap = r#"<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>/</loc></url><url><loc>/tin-tuc/</loc><lastmod>2026-08-30</lastmod></url></urlset>"#;
    let site = FixtureSite::in_memory(
        "lastmod",
        SiteKind::Department,
        vec![
            ("index.html", page(menu, "<p>Chào mừng.</p>")),
            (
                "tin-tuc/index.html",
                page(
                    menu,
                    "<h2>Tin tức</h2><ul><li>Hội nghị sơ kết công tác</li></ul>",
                ),
            ),
            ("sitemap.xml", sitemap.as_bytes().to_vec()),
        ],
    );
    let result = audit_one(site).await;
    let (st, evidence) = status(&result, "news");
    assert_eq!(st, Status::Stale, "{evidence}");
    assert!(evidence.contains("2026-08-30"), "{evidence}");
}

/// Classes a review of the evidence rules (#11) found at risk: a banner
/// heading the frame repeats must not make every page an article; a
/// template's `lang="en"` on a short Vietnamese page must not make it
/// foreign; a table cell of links is a list (its off-site links count); a
/// heading that is a link opens its block; a self-link leads nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frame_headings_template_lang_and_link_cells_do_not_mislead() {
    let frame = |title: &str, main: &str| -> Vec<u8> {
        format!(
            r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><table><tr><td><h1>CỔNG THÔNG TIN ĐIỆN TỬ SỞ TƯ PHÁP TỈNH HÒA BÌNH KÍNH CHÀO QUÝ KHÁCH</h1></td></tr>
<tr><td class="lienket"><a href="https://dichvucong.gov.vn/">Dịch vụ công trực tuyến</a><br>
<a href="/hoi-dap.html">Hỏi đáp</a><br><a href="/lich-cong-tac.html">Lịch công tác</a></td>
<td>{main}</td></tr></table>
<footer><p>Địa chỉ: 12 Trần Hưng Đạo, phường Quyết Tâm.</p></footer></body></html>"#
        )
        .into_bytes()
    };
    let home = frame(
        "Sở Tư pháp",
        "<h2><a href=\"/tin-tuc.html\">Tin tức</a></h2><ul>\
         <li><a href=\"/tin/1.html\">Khai mạc hội chợ việc làm</a> (20/11/2026)</li></ul>\
         <p>Sở Tư pháp tỉnh Hòa Bình là cơ quan chuyên môn thuộc Ủy ban nhân dân tỉnh.</p>",
    );
    let qa = frame(
        "Hỏi đáp - Sở Tư pháp",
        "<h2>Hỏi đáp</h2><p>Câu hỏi: thủ tục chứng thực? Trả lời: tại bộ phận một cửa.</p>",
    );
    let schedule = frame(
        "Lịch công tác",
        "<h2>Lịch công tác</h2><a href=\"#\">A-</a><table><tr><td>Thứ Hai</td><td>Họp giao ban</td></tr></table>",
    );
    let news = frame("Tin tức", "<h2>Tin tức</h2><p>Danh sách tin.</p>");
    let article = frame(
        "Khai mạc hội chợ việc làm",
        "<h2>Khai mạc hội chợ việc làm năm 2026 tại trung tâm dịch vụ việc làm tỉnh</h2><p>Nội dung.</p>",
    );
    let site = FixtureSite::in_memory(
        "stp",
        SiteKind::Department,
        vec![
            ("index.html", home),
            ("hoi-dap.html", qa),
            ("lich-cong-tac.html", schedule),
            ("tin-tuc.html", news),
            ("tin/1.html", article),
        ],
    );
    let audited = audit_one(site).await;
    let (online, why) = status(&audited, "online_services");
    assert_eq!(online, Status::Present, "a cell of links is a list: {why}");
    let (qa, why) = status(&audited, "qa_feedback");
    assert_eq!(qa, Status::Present, "{why}");
    let (news, why) = status(&audited, "news");
    assert_eq!(news, Status::Present, "{why}");
    assert!(!why.contains("A-"), "a self-link leads nowhere: {why}");
}

/// A banner heading that is a link (`<h1><a href="/">Sở …</a></h1>`) outside
/// any navigation box is the frame, not the page's heading: an article
/// under it is still an article, and its text shows no section.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_banner_heading_does_not_hide_an_article() {
    let frame = |main: &str| -> Vec<u8> {
        format!(
            r#"<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Sở Tư pháp</title></head>
<body><div id="top"><h1><a href="/">Sở Tư pháp tỉnh Hòa Bình</a></h1></div>
<div class="content">{main}</div></body></html>"#
        )
        .into_bytes()
    };
    let home = frame(
        "<ul><li><a href=\"/tin/1.html\">Hội nghị về ngân sách</a></li></ul><p>Trang chủ của Sở Tư pháp tỉnh Hòa Bình, cơ quan chuyên môn.</p>",
    );
    let article = frame(
        "<h2>Hội nghị hướng dẫn lập dự toán ngân sách năm 2027 cho các đơn vị dự toán cấp tỉnh</h2>\
         <p>Sở đã hướng dẫn công khai dự toán ngân sách năm 2027 cho các đơn vị trong tỉnh.</p>",
    );
    let site = FixtureSite::in_memory(
        "stp",
        SiteKind::Department,
        vec![("index.html", home), ("tin/1.html", article)],
    );
    let audited = audit_one(site).await;
    let (budget, why) = status(&audited, "budget_finance");
    assert_eq!(budget, Status::Missing, "{why}");
}
