//! Unit tests of extraction: labels, chrome, link keys, nesting, selectors.

use super::chrome::link_key;
use super::elements::{Marks, Tag, is_navigation};
use super::nesting::overly_nested_at;
use super::*;
use markup5ever::local_name;

fn base() -> Url {
    Url::parse("http://so.example.gov.vn/a/b.html").unwrap()
}

#[test]
fn links_carry_text_title_aria_and_image_alt() {
    let html = r#"<nav><a href="/x" title="Giới thiệu">Intro</a>
        <a href="index.php?cat=12"><img src="i.png" alt="Thủ tục hành chính"></a></nav>
        <p>Nội dung <a href="c.html" aria-label="Liên hệ"></a></p>"#;
    let f = extract(html, &base(), &SelectorSet::default(), &[], None);
    assert_eq!(f.links.len(), 3);
    assert_eq!(f.links[0].label, "Giới thiệu Intro");
    assert_eq!(
        f.links[1].url.as_ref().unwrap().as_str(),
        "http://so.example.gov.vn/a/index.php?cat=12"
    );
    assert_eq!(f.links[1].label, "Thủ tục hành chính");
    assert_eq!(f.links[1].priority, LinkPriority::Navigation);
    assert_eq!(f.links[2].priority, LinkPriority::Body);
    assert_eq!(f.own_text, "Nội dung");
}

#[test]
fn headings_scripts_and_title() {
    let html = "<html><head><title> Sở  Tư pháp </title><script>var x='Hỏi đáp'</script></head>\
                <body><h2>Công khai <a href='/n'>ngân sách</a></h2><style>p{}</style></body></html>";
    let f = extract(html, &base(), &SelectorSet::default(), &[], None);
    assert_eq!(f.title, "Sở Tư pháp");
    let headings: Vec<&str> = f.headings.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(
        headings,
        vec!["Công khai ngân sách"],
        "a heading's links name it too"
    );
    assert_eq!(f.headings[0].level, 2);
    assert!(!f.all_text.contains("Hỏi đáp"));
    assert!(f.all_text.contains("ngân sách"));
}

#[test]
fn what_a_page_shares_with_the_chrome_is_left_out() {
    let menu = "<nav><a href='/gioi-thieu'>Giới thiệu</a><a href='/lien-he'>Liên hệ</a></nav>";
    let footer = "<footer><p>Điện thoại:</p><p>Bản quyền</p><p>Sở Mẫu</p></footer>";
    let home = extract(
        &format!("{menu}<p>Trang chủ</p>{footer}"),
        &base(),
        &SelectorSet::default(),
        &[],
        None,
    );
    let chrome = RunSet::of(&home);
    let page = format!(
        "{menu}<h1>Liên hệ</h1><p>Địa chỉ: 12 Đường Thử</p><a href='/lien-he'>Liên hệ ngay</a>{footer}<p>0208 3855 724</p>"
    );
    let f = extract(&page, &base(), &SelectorSet::default(), &[], Some(&chrome));
    // Only the link whose label differs from the home page's is kept.
    assert_eq!(f.links.len(), 1);
    assert_eq!(f.links[0].label, "Liên hệ ngay");
    // The page's own runs, with the shared run on either side of each; a
    // gap line where shared runs were left out.
    assert_eq!(
        f.all_text,
        "Liên hệ\nĐịa chỉ: 12 Đường Thử\nLiên hệ ngay\nĐiện thoại:\n\u{1f}\nSở Mẫu\n0208 3855 724"
    );
    assert!(
        f.own_text.is_empty(),
        "only the home page is searched whole"
    );
    let runs: Vec<&str> = f.content_runs.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(runs, ["Liên hệ", "Địa chỉ: 12 Đường Thử", "0208 3855 724"]);
}

#[test]
fn class_and_id_marks_are_found_in_one_pass() {
    assert_eq!(Marks::of(None), Marks::default());
    assert_eq!(Marks::of(Some("main-content")), Marks::default());
    assert!(Marks::of(Some("Site-FOOTER")).any(Marks::FOOTER));
    assert!(Marks::of(Some("top navbar")).any(Marks::NAV));
    let both = Marks::of(Some("menu-item sidebar"));
    assert!(both.any(Marks::MENU) && both.any(Marks::SIDEBAR) && !both.any(Marks::BANNER));
    assert!(is_navigation(
        Tag::Container,
        Marks::of(Some("banner")),
        None
    ));
    assert!(!is_navigation(Tag::Other, Marks::of(Some("banner")), None));
    assert_eq!(Tag::of(&local_name!("h4")), Tag::Heading(4));
    assert_eq!(Tag::of(&local_name!("strong")), Tag::Other);
}

#[test]
fn link_keys_are_equal_exactly_when_links_resolve_alike() {
    let key = |href: &str, base: &str| link_key(href, "Liên hệ", &Url::parse(base).unwrap());
    let home = "http://so.example.gov.vn/";
    let deep = "http://so.example.gov.vn/index.php?id=3#top";
    assert_eq!(key("tin-tuc.html", home), key("tin-tuc.html", deep));
    assert_eq!(key("/lien-he", home), key("/lien-he", deep));
    assert_eq!(
        key("https://dichvucong.gov.vn/", home),
        key("https://dichvucong.gov.vn/", deep)
    );
    assert_ne!(
        key("tin-tuc.html", home),
        key("tin-tuc.html", "http://so.example.gov.vn/a/b")
    );
    assert_ne!(key("?p=2", home), key("?p=2", deep));
    assert_ne!(
        key("http:lien-he", home),
        key("http:lien-he", "http://so.example.gov.vn/a/")
    );
    assert_eq!(
        key("#top", deep),
        key("#top", "http://so.example.gov.vn/index.php?id=3")
    );
}

#[test]
fn base_href_resolves_links() {
    let html = "<html><head><base href='http://so.example.gov.vn/portal/'></head><body><a href='tin-tuc'>Tin</a></body></html>";
    let f = extract(html, &base(), &SelectorSet::default(), &[], None);
    assert_eq!(
        f.links[0].url.as_ref().unwrap().as_str(),
        "http://so.example.gov.vn/portal/tin-tuc"
    );
}

#[test]
fn deep_nesting_is_cut_and_does_not_overflow() {
    let depth = 200_000;
    let html = format!(
        "<nav><a href='/menu'>Tin tức</a></nav>{}<a href='/deep'>x</a>{}",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let f = extract(&html, &base(), &SelectorSet::default(), &[], None);
    assert_eq!(f.links.len(), 1, "the menu before the nest survives");
}

#[test]
fn nesting_scan_ignores_void_elements_comments_and_scripts() {
    let ok = "<div><br><img src=x><p>a</p><!-- <div><div> --><script>if (a<b) {}</script></div>"
        .repeat(1000);
    assert_eq!(overly_nested_at(&ok, 4), None);
    assert_eq!(overly_nested_at("<div><div><div>", 2), Some(10));
}

#[test]
fn selectors_report_their_items() {
    let sel = SelectorSet::new(vec![SelectorSignal {
        item: 7,
        selector: scraper::Selector::parse("form input[name=keyword]").unwrap(),
        source: "form input[name=keyword]".into(),
    }]);
    let f = extract(
        "<form action='/tim-kiem'><input name='keyword'></form>",
        &base(),
        &sel,
        &[],
        None,
    );
    assert_eq!(f.selector_hits, vec![0]);
}

#[test]
fn selectors_for_any_element_are_tried_by_attribute() {
    let signal = |i: usize, s: &str| SelectorSignal {
        item: i,
        selector: scraper::Selector::parse(s).unwrap(),
        source: s.into(),
    };
    let sel = SelectorSet::new(vec![
        signal(0, "[class*=logo]"),
        signal(1, "[title*='cỡ chữ']"),
        signal(2, "a[href^='mailto:']"),
    ]);
    let f = extract(
        "<div class='site-logo'></div><span title='Tăng cỡ chữ'>A+</span><a href='/x'>x</a>",
        &base(),
        &sel,
        &[],
        None,
    );
    assert_eq!(f.selector_hits, vec![0, 1]);
}

#[test]
fn rows_with_dates_or_document_numbers_are_listings() {
    let html = "<html><body><main><h1>Văn bản</h1><table>\
                <tr><td>Quyết định 15/2026/QĐ-UBND quy định cơ cấu tổ chức của Sở</td>\
                <td><a href='/tai-ve/15.pdf'>Tải về</a></td></tr></table>\
                <ul><li><a href='/tin/1.html'>Khai mạc hội chợ</a> (12/03/2022)</li></ul>\
                <p>Sở có chức năng tham mưu.</p></main></body></html>";
    let f = extract(html, &base(), &SelectorSet::default(), &[], None);
    let run = |needle: &str| {
        f.content_runs
            .iter()
            .find(|r| r.text.contains(needle))
            .unwrap()
    };
    assert!(run("cơ cấu tổ chức").listing);
    assert!(!run("chức năng tham mưu").listing);
    assert!(!f.own_text.contains("cơ cấu tổ chức"), "{}", f.own_text);
    assert!(f.own_text.contains("chức năng tham mưu"));
    let news = f
        .links
        .iter()
        .find(|l| l.label == "Khai mạc hội chợ")
        .unwrap();
    assert_eq!(news.listed_dates, vec!["2022-03-12".parse().unwrap()]);
    assert_eq!(news.place, LinkPlace::List);
    assert_eq!(news.block, Some(0), "under the h1's block");
}

#[test]
fn places_blocks_banners_and_breadcrumbs() {
    let html = "<html lang='vi'><body><header><a href='/gioi-thieu'>Giới thiệu</a></header>\
                <div class='breadcrumb'><a href='/'>Trang chủ</a> » <span>Công khai ngân sách</span></div>\
                <div class='content'><a href='/cong-khai-ngan-sach.html'><img src='b.png' alt=''></a>\
                <div class='box'><h2>Tin tức</h2><ul><li><a href='/t/1'>Tin một</a></li></ul></div>\
                <p>The new portal was tested with screen readers and is \
                <a href='https://www.section508.gov/'>508 compliant</a>.</p>\
                <p><a href='https://dichvucong.gov.vn/'>Dịch vụ công</a></p></div>\
                <footer><a href='/lien-he'>Liên hệ</a></footer></body></html>";
    let f = extract(html, &base(), &SelectorSet::default(), &[], None);
    let link = |label: &str| f.links.iter().find(|l| l.label == label).unwrap();
    assert_eq!(link("Giới thiệu").place, LinkPlace::Menu);
    assert_eq!(link("Liên hệ").place, LinkPlace::Footer);
    assert_eq!(link("Tin một").place, LinkPlace::List);
    assert_eq!(link("Tin một").block, Some(0));
    assert_eq!(link("508 compliant").place, LinkPlace::Body);
    assert_eq!(
        link("Dịch vụ công").place,
        LinkPlace::List,
        "a paragraph of links alone"
    );
    let banner = link("cong khai ngan sach");
    assert_eq!(banner.place, LinkPlace::Banner);
    assert_eq!(banner.label_from, LabelFrom::Address);
    assert_eq!(f.breadcrumb.as_deref(), Some("Công khai ngân sách"));
    assert_eq!(f.lang.as_deref(), Some("vi"));
}
