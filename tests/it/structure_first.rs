//! Issue #16: the default crawl fetches only what can change a verdict. It
//! must give the same verdict as a crawl that reads every page, on every
//! fixture site; and a portal of 2,000 news articles with no budget section
//! is judged in a few dozen pages, with `budget_finance` missing and the
//! finding saying what was searched.

use std::fmt::Write as _;

use portal_audit::crawl::CrawlConfig;
use portal_audit::finding::Status;
use portal_audit::fixture_server::{FixtureSite, embedded_sites, serve};
use portal_audit::site::StopReason;
use portal_audit::target::SiteKind;

use crate::support::{audit_served_with, fixture_date, serve_all, test_crawl_config};

/// The crawl that reads every page: `--exhaustive --max-pages 1000`.
fn exhaustive() -> CrawlConfig {
    CrawlConfig {
        exhaustive: true,
        max_pages: 1000,
        ..test_crawl_config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_crawl_gives_the_exhaustive_verdict_on_every_fixture_site() {
    let served = serve_all(embedded_sites()).await;
    let default = audit_served_with(&served, fixture_date(), test_crawl_config()).await;
    let full = audit_served_with(&served, fixture_date(), exhaustive()).await;
    let mut differences = Vec::new();
    let mut report = String::new();
    let (default, full) = (
        default.sites.to_vec().unwrap(),
        full.sites.to_vec().unwrap(),
    );
    for (site, reference) in default.iter().zip(&full) {
        let _ = writeln!(
            report,
            "{:24} default {:3} pages ({}), exhaustive {:3}",
            site.target.id,
            site.crawl.pages_fetched,
            site.crawl.stopped.code(),
            reference.crawl.pages_fetched
        );
        for (f, r) in site.findings.iter().zip(&reference.findings) {
            assert_eq!(f.item_id, r.item_id);
            if f.status != r.status {
                differences.push(format!(
                    "{}/{}: default {} ({}), exhaustive {} ({})",
                    site.target.id, f.item_id, f.status, f.evidence, r.status, r.evidence
                ));
            }
        }
    }
    println!("{report}");
    assert!(
        differences.is_empty(),
        "{} verdicts differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
    let pages = |sites: &[portal_audit::run::SiteResult]| -> usize {
        sites.iter().map(|s| s.crawl.pages_fetched).sum()
    };
    assert!(
        pages(&default) < pages(&full),
        "the default crawl fetched {} pages, the exhaustive one {}",
        pages(&default),
        pages(&full)
    );
}

/// Articles on the generated news portal.
const ARTICLES: usize = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_articles_and_no_budget_section_take_a_few_dozen_pages() {
    let served = serve(news_portal()).await.expect("bind 127.0.0.1");
    let served = [served];
    let run = audit_served_with(&served, fixture_date(), test_crawl_config()).await;
    let site = run.sites.get(0).unwrap();
    assert_eq!(site.status.code(), "ok");
    let stats = site.crawl;
    println!("{stats:?}");
    assert_eq!(stats.stopped, StopReason::AllSettled, "{stats:?}");
    assert!(
        stats.pages_fetched <= 40,
        "{} pages fetched of a {} page budget",
        stats.pages_fetched,
        test_crawl_config().max_pages
    );
    assert_eq!(stats.sitemap_urls, ARTICLES + 5, "{stats:?}");
    let finding = |id: &str| {
        site.findings
            .iter()
            .find(|f| &*f.item_id == id)
            .unwrap_or_else(|| panic!("no finding for {id}"))
    };
    let budget = finding("budget_finance");
    assert_eq!(budget.status, Status::Missing, "{budget:?}");
    assert!(
        budget.evidence.contains("section pages")
            && budget
                .evidence
                .contains(&format!("sitemap with {} URLs", ARTICLES + 5)),
        "the finding says what was searched: {}",
        budget.evidence
    );
    println!("budget_finance: {}", budget.evidence);
    let news = finding("news");
    assert_eq!(news.status, Status::Present, "{news:?}");
    // The pages fetched: the structure and the first page of the news
    // listing, never the listing's archive.
    let requests = served[0].requests();
    assert!(
        !requests.iter().any(|r| r.contains("/trang-")),
        "the news archive was read: {requests:?}"
    );
}

/// A department portal with a menu of four sections, a news listing of
/// 100 pages and 2,000 articles (a few titled with the words of the budget
/// item, as news about a budget meeting is), all in its sitemap; it has no
/// budget section.
fn news_portal() -> FixtureSite {
    let mut pages: Vec<(String, Vec<u8>)> = vec![
        ("robots.txt".into(), b"User-agent: *\nAllow: /\n".to_vec()),
        ("index.html".into(), home().into_bytes()),
        ("gioi-thieu.html".into(), section("Giới thiệu", "<p>Sở Tư pháp là cơ quan chuyên môn thuộc Ủy ban nhân dân tỉnh, tham mưu về công tác xây dựng và thi hành pháp luật.</p><p>Chức năng, nhiệm vụ và quyền hạn theo quy định của pháp luật; cơ cấu tổ chức gồm Văn phòng, Thanh tra và các phòng chuyên môn.</p>").into_bytes()),
        ("van-ban.html".into(), section("Văn bản", "<ul><li><a href=\"/van-ban/qd-12.html\">Quyết định số 12/QĐ-STP ngày 01/11/2026 về việc ban hành quy chế</a></li></ul>").into_bytes()),
        ("lien-he.html".into(), section("Liên hệ", "<p>Mọi thắc mắc xin liên hệ Văn phòng Sở, số 1 Đường Mẫu.</p>").into_bytes()),
        ("tin-tuc/index.html".into(), news_listing(1).into_bytes()),
    ];
    for page in 2..=ARTICLES / 20 {
        pages.push((
            format!("tin-tuc/trang-{page}.html"),
            news_listing(page).into_bytes(),
        ));
    }
    for n in 1..=ARTICLES {
        pages.push((format!("tin-tuc/bai-{n}.html"), article(n).into_bytes()));
    }
    pages.push(("sitemap.xml".into(), sitemap().into_bytes()));
    let pages = pages.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    FixtureSite::in_memory("so-nhieu-tin", SiteKind::Department, pages)
}

fn frame(title: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{title} - Sở Tư pháp tỉnh Mẫu</title></head><body>\
         <header><img src=\"/logo.png\" alt=\"Quốc huy\"><h1>SỞ TƯ PHÁP TỈNH MẪU</h1></header>\
         <nav class=\"menu\"><ul><li><a href=\"/\">Trang chủ</a></li><li><a href=\"/gioi-thieu.html\">Giới thiệu</a></li>\
         <li><a href=\"/tin-tuc/\">Tin tức</a></li><li><a href=\"/van-ban.html\">Văn bản</a></li><li><a href=\"/lien-he.html\">Liên hệ</a></li></ul></nav>\
         <main>{main}</main>\
         <footer><p>Cơ quan chủ quản: Sở Tư pháp tỉnh Mẫu. Địa chỉ: số 1 Đường Mẫu, phường Một, tỉnh Mẫu.</p>\
         <p>Điện thoại: (0218) 3852 000. Email: stp@mau.gov.vn. Chịu trách nhiệm chính: Ông Nguyễn Văn Mẫu, Giám đốc Sở.</p></footer>\
         </body></html>"
    )
}

fn home() -> String {
    let mut main = String::from("<h2>Tin mới</h2><ul>");
    for n in (ARTICLES - 9..=ARTICLES).rev() {
        let _ = write!(
            main,
            "<li><a href=\"/tin-tuc/bai-{n}.html\">{}</a> <span>({})</span></li>",
            title(n),
            date(n)
        );
    }
    main.push_str(
        "</ul><p>Chào mừng bạn đến với cổng thông tin điện tử của Sở Tư pháp tỉnh Mẫu.</p>",
    );
    frame("Trang chủ", &main)
}

fn section(name: &str, body: &str) -> String {
    frame(name, &format!("<h1>{name}</h1>{body}"))
}

/// Page `page` of the news listing, newest first, 20 a page, with links to
/// the other pages of the archive.
fn news_listing(page: usize) -> String {
    let mut main = String::from("<h1>Tin tức</h1><ul class=\"news\">");
    let newest = ARTICLES - (page - 1) * 20;
    for n in (newest.saturating_sub(19).max(1)..=newest).rev() {
        let _ = write!(
            main,
            "<li><a href=\"/tin-tuc/bai-{n}.html\">{}</a> <span class=\"date\">{}</span></li>",
            title(n),
            date(n)
        );
    }
    main.push_str("</ul><div class=\"pager\">");
    for p in (2..=ARTICLES / 20).take(10) {
        let _ = write!(main, "<a href=\"/tin-tuc/trang-{p}.html\">{p}</a> ");
    }
    main.push_str("</div>");
    frame("Tin tức", &main)
}

fn title(n: usize) -> String {
    if n.is_multiple_of(50) {
        format!("Hội nghị triển khai dự toán ngân sách nhà nước năm 2027, đợt {n}")
    } else {
        format!("Sở Tư pháp tổ chức hội nghị phổ biến giáo dục pháp luật lần thứ {n}")
    }
}

/// Article `n`'s date: the newest articles are from November 2026.
fn date(n: usize) -> String {
    let days_back = (ARTICLES - n) / 4;
    let day =
        jiff::civil::date(2026, 11, 27) - jiff::Span::new().days(i64::try_from(days_back).unwrap());
    day.strftime("%d/%m/%Y").to_string()
}

fn article(n: usize) -> String {
    let related: String = (1..=3)
        .map(|k| {
            let other = (n + k * 7) % ARTICLES + 1;
            format!(
                "<li><a href=\"/tin-tuc/bai-{other}.html\">{}</a></li>",
                title(other)
            )
        })
        .collect();
    frame(
        &title(n),
        &format!(
            "<h1>{}</h1><p class=\"date\">Ngày đăng: {}</p><p>Sáng nay, Sở Tư pháp đã tổ chức hội nghị với sự tham dự của đại diện các phòng, ban chuyên môn và các đơn vị trực thuộc.</p><h3>Tin liên quan</h3><ul>{related}</ul>",
            title(n),
            date(n)
        ),
    )
}

fn sitemap() -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
    );
    for path in [
        "/",
        "/gioi-thieu.html",
        "/tin-tuc/",
        "/van-ban.html",
        "/lien-he.html",
    ] {
        let _ = write!(xml, "<url><loc>{path}</loc></url>");
    }
    for n in 1..=ARTICLES {
        let _ = write!(
            xml,
            "<url><loc>/tin-tuc/bai-{n}.html</loc><lastmod>2026-11-01</lastmod></url>"
        );
    }
    xml.push_str("</urlset>");
    xml
}
