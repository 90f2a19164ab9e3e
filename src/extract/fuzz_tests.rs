//! Property tests of page extraction (#13): no HTML panics it, however
//! broken, deep or hostile, and its caps hold.

use proptest::prelude::*;
use scraper::Selector;
use url::Url;

use super::{MAX_LINKS_PER_PAGE, RunSet, SelectorSet, SelectorSignal, extract};
use crate::fuzz_support::{fuzz, text_of};

const HTML: &[&str] = &[
    "<html lang=\"vi\">",
    "<head><title>Sở Tư pháp</title></head>",
    "<body>",
    "</body>",
    "<nav>",
    "</nav>",
    "<header>",
    "<footer>",
    "</footer>",
    "<div class=\"menu\">",
    "<div>",
    "</div>",
    "<ul><li>",
    "</li></ul>",
    "<h1>",
    "</h1>",
    "<h2>Tin tức</h2>",
    "<h3>",
    "<p>",
    "</p>",
    "<a href=\"/lien-he\">Liên hệ</a>",
    "<a href=\"javascript:void(0)\">x</a>",
    "<a href=\"mailto:a@b.vn\">",
    "<a href=\"http://[::1\">",
    "<a href=\"//other.vn/x\">",
    "<a href=\"?a=1#b\" title=\"Hỏi đáp\">",
    "<a>",
    "</a>",
    "<img alt=\"Lãnh đạo\" src=\"x.png\">",
    "<time datetime=\"2026-11-20\">",
    "</time>",
    "<meta property=\"article:published_time\" content=\"2026-13-45\">",
    "15/06/2026",
    "<table><tr><td>",
    "</td></tr></table>",
    "<template>",
    "</template>",
    "<svg><a href=\"/s\">",
    "</svg>",
    "<script>var a = '<a href=x>';</script>",
    "<!-- <a href=\"/c\"> -->",
    "&amp;",
    "&#x110;",
    "&#0;",
    "&nbsp;",
    "<select><option>Liên kết</option></select>",
    "<form action=\"/f\">",
    "<iframe src=\"/i\">",
    "<base href=\"http://b.vn/\">",
    "<",
    ">",
    "\"",
    "đ",
    "\u{0}",
    " ",
    "\n",
];

/// Pages of fragments, sometimes wrapped in thousands of unclosed elements.
fn page() -> impl Strategy<Value = String> {
    (text_of(HTML, 60), 0..3usize).prop_map(|(html, nesting)| match nesting {
        2 => format!("{}{html}", "<div><span>".repeat(2_000)),
        1 => format!("{}{html}", "<b>".repeat(600)),
        _ => html,
    })
}

fn selectors() -> SelectorSet {
    let sources = [
        "a[href^=mailto:]",
        "h2",
        "[class*=menu] a",
        "img[alt]",
        "form",
        "*",
    ];
    SelectorSet::new(
        sources
            .iter()
            .enumerate()
            .filter_map(|(item, source)| {
                Some(SelectorSignal {
                    item,
                    selector: Selector::parse(source).ok()?,
                    source: (*source).to_owned(),
                })
            })
            .collect(),
    )
}

fuzz!(pages, (page(), page()), |(home, html): (String, String)| {
    let base = Url::parse("https://stp.example.gov.vn/gioi-thieu/").unwrap();
    let selectors = selectors();
    let home_facts = extract(&home, &base, &selectors, &[], None);
    let chrome = RunSet::of(&home_facts);
    let facts = extract(&html, &base, &selectors, &[true, false], Some(&chrome));
    for facts in [&home_facts, &facts] {
        prop_assert!(facts.links.len() <= MAX_LINKS_PER_PAGE);
        prop_assert!(
            facts
                .selector_hits
                .iter()
                .all(|&i| i < selectors.signals.len())
        );
    }
    Ok(())
});
