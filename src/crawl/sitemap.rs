//! sitemap.xml, sitemap indexes and `.xml.gz` files, read with quick-xml and
//! flate2 under a size cap, to seed the crawl with pages the menus may hide.

use std::borrow::Cow;
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
    let Some(xml) = decompressed(bytes) else {
        return SitemapEntries::default();
    };
    let mut reader = Reader::from_reader(xml.as_ref());
    reader.config_mut().trim_text(true);
    let mut read = SitemapReader {
        base,
        max,
        entries: SitemapEntries::default(),
        in_index_entry: false,
        loc: None,
        lastmod_text: None,
        page: None,
        lastmod: None,
    };
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(e)) => read.start(e.local_name().as_ref()),
            Ok(Event::End(e)) => read.end(e.local_name().as_ref()),
            Ok(Event::Text(text)) => read.text(text.as_ref(), true),
            Ok(Event::CData(text)) => read.text(text.as_ref(), false),
            Ok(Event::GeneralRef(reference)) => read.reference(&reference),
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buffer.clear();
    }
    read.entries
}

/// The XML of a sitemap, inflated when gzip-compressed, at most
/// [`MAX_SITEMAP_BYTES`]; `None` when it is gzip that yields nothing.
fn decompressed(bytes: &[u8]) -> Option<Cow<'_, [u8]>> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Some(Cow::Borrowed(&bytes[..bytes.len().min(MAX_SITEMAP_BYTES)]));
    }
    let mut out = Vec::new();
    let cap = u64::try_from(MAX_SITEMAP_BYTES).unwrap_or(u64::MAX);
    let failed = flate2::read::GzDecoder::new(bytes)
        .take(cap)
        .read_to_end(&mut out)
        .is_err();
    (!failed || !out.is_empty()).then_some(Cow::Owned(out))
}

/// Where the reader is inside a sitemap, and what it has read.
struct SitemapReader<'a> {
    base: &'a Url,
    max: usize,
    entries: SitemapEntries,
    /// Inside `<sitemap>` of an index: a `<loc>` is a child sitemap.
    in_index_entry: bool,
    /// The text of the `<loc>` being read.
    loc: Option<String>,
    /// The text of the `<lastmod>` being read.
    lastmod_text: Option<String>,
    /// The current `<url>`'s page and date.
    page: Option<Url>,
    lastmod: Option<Date>,
}

impl SitemapReader<'_> {
    fn start(&mut self, name: &[u8]) {
        match name {
            b"sitemap" => self.in_index_entry = true,
            b"loc" => self.loc = Some(String::new()),
            b"lastmod" => self.lastmod_text = Some(String::new()),
            _ => {}
        }
    }

    fn end(&mut self, name: &[u8]) {
        match name {
            b"sitemap" => self.in_index_entry = false,
            b"loc" => self.end_loc(),
            b"lastmod" => {
                self.lastmod = self
                    .lastmod_text
                    .take()
                    .and_then(|t| crate::dates::parse_structured(&t));
            }
            b"url" => {
                if let (Some(url), Some(date)) = (self.page.take(), self.lastmod.take())
                    && self.entries.lastmod.len() < self.max
                {
                    self.entries.lastmod.push((url, date));
                }
            }
            _ => {}
        }
    }

    fn end_loc(&mut self) {
        let list = if self.in_index_entry {
            &mut self.entries.children
        } else {
            &mut self.entries.pages
        };
        if let Some(url) = self.loc.take().and_then(|l| self.base.join(l.trim()).ok())
            && list.len() < self.max
        {
            if !self.in_index_entry {
                self.page = Some(url.clone());
            }
            list.push(url);
        }
    }

    /// Text inside `<loc>`, or (unless it is CDATA) inside `<lastmod>`.
    fn text(&mut self, text: &[u8], or_lastmod: bool) {
        if let Some(loc) = self.loc.as_mut() {
            loc.push_str(&String::from_utf8_lossy(text));
        } else if let Some(date) = self.lastmod_text.as_mut().filter(|_| or_lastmod) {
            date.push_str(&String::from_utf8_lossy(text));
        }
    }

    /// An entity reference inside `<loc>` (`&amp;` in a query string).
    fn reference(&mut self, name: &[u8]) {
        if let Some(loc) = self.loc.as_mut() {
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
