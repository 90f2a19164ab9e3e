//! Property tests of what the crawl reads from servers (#13): robots.txt,
//! sitemaps and page bytes in any charset. Nothing a server sends may panic
//! them, and what a sitemap lists is read back whole.

use std::io::Write as _;

use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;
use url::Url;

use super::{MAX_CRAWL_DELAY, RobotsRules, decode_html, parse_sitemap};
use crate::fuzz_support::{fuzz, text_of};

const ROBOTS: &[&str] = &[
    "User-agent: *\n",
    "User-agent: portal-audit\n",
    "user-agent:portal-audit/1.0\n",
    "Disallow: /\n",
    "Disallow: /admin\n",
    "Disallow:\n",
    "Allow: /tin-tuc/\n",
    "Allow: /*.html$\n",
    "Disallow: /*?*\n",
    "Crawl-delay: 5\n",
    "Crawl-delay: 1e20\n",
    "Crawl-delay: -3\n",
    "Crawl-delay: NaN\n",
    "Sitemap: https://a.vn/sitemap.xml\n",
    "Sitemap: /relative\n",
    "# comment\n",
    "\n",
    "\r\n",
    ":",
    "*",
    "$",
    "%",
    "%2F",
    "\u{feff}",
    "đường",
    "\u{0}",
];

const PATHS: &[&str] = &[
    "/",
    "/admin/x",
    "/tin-tuc/a.html",
    "/a?b=1",
    "/%C4%91",
    "/đường",
    "/x$",
    "/*",
];

fuzz!(
    robots,
    (text_of(ROBOTS, 30), proptest::sample::select(PATHS)),
    |(text, path): (String, &str)| {
        let rules = RobotsRules::parse(text.as_bytes());
        let url = Url::parse("http://a.vn/").unwrap().join(path).unwrap();
        let _ = rules.allows(&url);
        if let Some(delay) = rules.crawl_delay() {
            prop_assert!(delay <= MAX_CRAWL_DELAY || delay.as_secs_f32().is_finite());
        }
        let _ = rules.sitemaps();
        Ok(())
    }
);

fuzz!(
    robots_bytes,
    proptest::collection::vec(any::<u8>(), 0..512),
    |bytes: Vec<u8>| {
        let rules = RobotsRules::parse(&bytes);
        let _ = rules.allows(&Url::parse("http://a.vn/x").unwrap());
        let _ = rules.crawl_delay();
        Ok(())
    }
);

const SITEMAP: &[&str] = &[
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
    "</urlset>",
    "<sitemapindex>",
    "</sitemapindex>",
    "<sitemap>",
    "</sitemap>",
    "<url>",
    "</url>",
    "<loc>",
    "</loc>",
    "<lastmod>",
    "</lastmod>",
    "https://a.vn/p",
    "/relative",
    "2026-11-20",
    "2026-11-20T08:00:00+07:00",
    "2026-02-30",
    "&amp;",
    "&lt;",
    "&#x110;",
    "&#99999999;",
    "&bogus;",
    "<![CDATA[https://a.vn/c?a=1&b=2]]>",
    "<!-- x -->",
    "<x:loc>",
    "</x:loc>",
    "<",
    ">",
    "\"",
    " ",
    "\n",
    "đ",
    "\u{0}",
];

/// A sitemap, plain or gzip-compressed (whole or cut short).
fn sitemap_bytes() -> impl Strategy<Value = Vec<u8>> {
    (text_of(SITEMAP, 40), 0..3u8, any::<usize>()).prop_map(|(text, form, cut)| {
        if form == 0 {
            return text.into_bytes();
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let mut bytes = gz.finish().unwrap();
        if form == 2 {
            bytes.truncate(cut % (bytes.len() + 1));
        }
        bytes
    })
}

fuzz!(sitemap, (sitemap_bytes(), 0..4usize), |(bytes, max): (
    Vec<u8>,
    usize
)| {
    let base = Url::parse("https://a.vn/sitemap.xml").unwrap();
    let read = parse_sitemap(&bytes, &base, max);
    prop_assert!(read.pages.len() <= max && read.children.len() <= max);
    prop_assert!(read.lastmod.len() <= max);
    Ok(())
});

fuzz!(
    sitemap_written_is_read_back,
    proptest::collection::vec("[a-z0-9-]{1,12}", 0..20),
    |slugs: Vec<String>| {
        let base = Url::parse("https://a.vn/sitemap.xml").unwrap();
        let urls: Vec<Url> = slugs
            .iter()
            .map(|s| base.join(&format!("/{s}?a=1&b=2")).unwrap())
            .collect();
        let mut xml = String::from("<?xml version=\"1.0\"?><urlset>");
        for url in &urls {
            let escaped = url.as_str().replace('&', "&amp;");
            xml.push_str(&format!(
                "<url><loc>{escaped}</loc><lastmod>2026-11-20</lastmod></url>"
            ));
        }
        xml.push_str("</urlset>");
        let read = parse_sitemap(xml.as_bytes(), &base, usize::MAX);
        prop_assert_eq!(&read.pages, &urls);
        prop_assert_eq!(read.lastmod.len(), urls.len());
        Ok(())
    }
);

const CONTENT_TYPES: &[&str] = &[
    "",
    "text/html",
    "text/html; charset=utf-8",
    "text/html;charset=\"windows-1258\"",
    "text/html; charset=utf-16le",
    "text/html; charset=bogus",
    "text/html; charset=",
    ";;;=",
    "text/html; charset='iso-8859-1'; x=y",
];

const HTML_BYTES: &[&str] = &[
    "<meta charset=\"windows-1258\">",
    "<meta charset=utf-16>",
    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">",
    "charset",
    "charset=",
    "\u{feff}",
    "Thủ tục hành chính",
    "Thu\u{309} tu\u{323}c",
    "<p>",
    "đ",
];

/// No byte-order mark, or the UTF-8, UTF-16LE or UTF-16BE one.
const BOMS: &[&[u8]] = &[b"", b"\xEF\xBB\xBF", b"\xFF\xFE", b"\xFE\xFF"];

/// Page bytes: HTML text, maybe after a BOM, with raw bytes mixed in.
fn page_bytes() -> impl Strategy<Value = Vec<u8>> {
    let prefix = proptest::sample::select(BOMS);
    (
        prefix,
        text_of(HTML_BYTES, 20),
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(prefix, text, raw)| [prefix, text.as_bytes(), &raw].concat())
}

fuzz!(
    charset_decoding,
    (page_bytes(), proptest::sample::select(CONTENT_TYPES)),
    |(bytes, content_type): (Vec<u8>, &str)| {
        let _ = decode_html(&bytes, Some(content_type));
        let _ = decode_html(&bytes, None);
        Ok(())
    }
);

fuzz!(
    utf8_pages_decode_to_themselves,
    text_of(&HTML_BYTES[6..], 20),
    |text: String| {
        // Without a declaration or BOM the page is read as UTF-8, composed.
        prop_assume!(!text.contains("charset") && !text.starts_with('\u{feff}'));
        let decoded = decode_html(text.as_bytes(), None);
        prop_assert_eq!(
            decoded.nfc().collect::<String>(),
            text.nfc().collect::<String>()
        );
        Ok(())
    }
);
