//! sitemap.xml, sitemap indexes and `.xml.gz` files, read with quick-xml and
//! flate2 under a size cap, to seed the crawl with pages the menus may hide.

use std::io::Read;

use jiff::civil::Date;
use quick_xml::Reader;
use quick_xml::events::Event;
use url::Url;

/// Largest sitemap we read, after decompression.
pub const MAX_SITEMAP_BYTES: usize = 10 * 1024 * 1024;

/// What one sitemap file lists.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SitemapEntries {
    /// Page URLs (`<urlset><url><loc>`).
    pub pages: Vec<Url>,
    /// Child sitemaps (`<sitemapindex><sitemap><loc>`).
    pub children: Vec<Url>,
    /// Pages with a `<lastmod>` date: a freshness source for pages that show
    /// no date of their own.
    pub lastmod: Vec<(Url, Date)>,
}

/// Parses a sitemap or sitemap index (gzip-compressed or not), resolving
/// `<loc>` against `base` and keeping at most `max` entries of each kind.
/// Malformed XML yields what was read before the error.
#[must_use]
pub fn parse_sitemap(bytes: &[u8], base: &Url, max: usize) -> SitemapEntries {
    let inflated;
    let xml: &[u8] = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let cap = u64::try_from(MAX_SITEMAP_BYTES).unwrap_or(u64::MAX);
        if flate2::read::GzDecoder::new(bytes)
            .take(cap)
            .read_to_end(&mut out)
            .is_err()
            && out.is_empty()
        {
            return SitemapEntries::default();
        }
        inflated = out;
        &inflated
    } else {
        &bytes[..bytes.len().min(MAX_SITEMAP_BYTES)]
    };
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut entries = SitemapEntries::default();
    let mut in_index_entry = false;
    let mut loc: Option<String> = None;
    let mut lastmod_text: Option<String> = None;
    let mut page: Option<Url> = None;
    let mut lastmod: Option<Date> = None;
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                b"sitemap" => in_index_entry = true,
                b"loc" => loc = Some(String::new()),
                b"lastmod" => lastmod_text = Some(String::new()),
                _ => {}
            },
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"sitemap" => in_index_entry = false,
                b"loc" => {
                    let list = if in_index_entry {
                        &mut entries.children
                    } else {
                        &mut entries.pages
                    };
                    if let Some(url) = loc.take().and_then(|l| base.join(l.trim()).ok())
                        && list.len() < max
                    {
                        if !in_index_entry {
                            page = Some(url.clone());
                        }
                        list.push(url);
                    }
                }
                b"lastmod" => {
                    lastmod = lastmod_text
                        .take()
                        .and_then(|t| crate::dates::parse_structured(&t))
                }
                b"url" => {
                    if let (Some(url), Some(date)) = (page.take(), lastmod.take())
                        && entries.lastmod.len() < max
                    {
                        entries.lastmod.push((url, date));
                    }
                }
                _ => {}
            },
            Ok(Event::Text(text)) => {
                if let Some(loc) = loc.as_mut() {
                    loc.push_str(&String::from_utf8_lossy(text.as_ref()));
                } else if let Some(date) = lastmod_text.as_mut() {
                    date.push_str(&String::from_utf8_lossy(text.as_ref()));
                }
            }
            Ok(Event::CData(text)) => {
                if let Some(loc) = loc.as_mut() {
                    loc.push_str(&String::from_utf8_lossy(text.as_ref()));
                }
            }
            Ok(Event::GeneralRef(reference)) => {
                if let Some(loc) = loc.as_mut() {
                    let name: &[u8] = &reference;
                    loc.push_str(match name {
                        b"amp" => "&",
                        b"lt" => "<",
                        b"gt" => ">",
                        b"quot" => "\"",
                        b"apos" => "'",
                        _ => "",
                    });
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buffer.clear();
    }
    entries
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn base() -> Url {
        Url::parse("http://a.vn/").unwrap()
    }

    #[test]
    fn reads_urlsets_indexes_and_gzip() {
        let xml =
            br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc>http://a.vn/tin-tuc/</loc><lastmod>2026-11-20</lastmod></url>
            <url><loc>/van-ban/?a=1&amp;b=2</loc></url></urlset>"#;
        let e = parse_sitemap(xml, &base(), 100);
        assert_eq!(e.pages.len(), 2);
        assert_eq!(e.lastmod.len(), 1);
        assert_eq!(e.lastmod[0].1.to_string(), "2026-11-20");
        assert_eq!(e.pages[1].as_str(), "http://a.vn/van-ban/?a=1&b=2");

        let index =
            br#"<sitemapindex><sitemap><loc>http://a.vn/s1.xml.gz</loc></sitemap></sitemapindex>"#;
        assert_eq!(parse_sitemap(index, &base(), 100).children.len(), 1);

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(xml).unwrap();
        assert_eq!(
            parse_sitemap(&gz.finish().unwrap(), &base(), 1).pages.len(),
            1
        );
    }

    #[test]
    fn garbage_yields_nothing() {
        assert_eq!(
            parse_sitemap(b"\x1f\x8bnot gzip", &base(), 10),
            SitemapEntries::default()
        );
        assert_eq!(
            parse_sitemap(b"<html><body>hi", &base(), 10),
            SitemapEntries::default()
        );
    }
}
