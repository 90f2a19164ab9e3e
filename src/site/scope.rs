//! Which URLs belong to a site, and the one normal form a URL takes before it
//! is queued, so the same page is never fetched twice under two spellings.

use url::Url;

/// The site a crawl may visit: one host (its `www.` twin included) on one port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Host without a leading `www.`.
    bare_host: String,
    /// Explicit non-default port, if any.
    port: Option<u16>,
}

impl Scope {
    /// The scope of the site whose start page ended up at `url`.
    #[must_use]
    pub fn of(url: &Url) -> Self {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        Self {
            bare_host: strip_www(&host).to_owned(),
            port: url.port(),
        }
    }

    /// Whether `url` is on this site. http and https count alike (a site that
    /// links its own pages over both is still one site).
    #[must_use]
    pub fn contains(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && url.port() == self.port
            && url
                .host_str()
                .is_some_and(|h| strip_www(&h.to_ascii_lowercase()) == self.bare_host)
    }

    /// The host as shown to people.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.bare_host
    }
}

fn strip_www(host: &str) -> &str {
    host.strip_prefix("www.").unwrap_or(host)
}

/// The normal form of a link target, or `None` for URLs we never fetch
/// (mailto:, javascript:, data:, ftp: …). Fragments are dropped; `url` has
/// already lower-cased the scheme and host, removed default ports and resolved
/// dot segments. Query parameters are sorted so that `?a=1&b=2` and
/// `?b=2&a=1` are one page.
#[must_use]
pub fn normalize(url: &Url) -> Option<Url> {
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    let mut url = url.clone();
    url.set_fragment(None);
    if let Some(query) = url.query() {
        if query.is_empty() {
            url.set_query(None);
        } else if query.contains('&') {
            let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
            pairs.sort_unstable();
            let sorted = pairs.join("&");
            url.set_query(Some(&sorted));
        }
    }
    Some(url)
}

/// A 64-bit key for a (normalised) URL. Sets of seen and fetched pages keep
/// these instead of whole URLs, so a site's memory grows by bytes, not by
/// URL lengths, per page. SipHash with fixed keys: the same in every run.
#[must_use]
pub fn url_key(url: &Url) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    url.as_str().hash(&mut hasher);
    hasher.finish()
}

/// Longest URL we queue.
pub const MAX_URL_CHARS: usize = 1024;
/// Most path segments we follow.
const MAX_PATH_SEGMENTS: usize = 15;
/// Most times one path segment may repeat in a path (`/a/b/a/b/a/b`).
const MAX_SEGMENT_REPEATS: usize = 2;

/// Whether `url` looks like a crawler trap by its shape alone: too long, too
/// deep, or a path that repeats itself (relative links that resolve into
/// `/a/b/a/b/…`).
#[must_use]
pub fn looks_like_trap(url: &Url) -> bool {
    if url.as_str().len() > MAX_URL_CHARS {
        return true;
    }
    let segments: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() > MAX_PATH_SEGMENTS {
        return true;
    }
    segments
        .iter()
        .any(|s| segments.iter().filter(|t| *t == s).count() > MAX_SEGMENT_REPEATS)
}

/// The shape of a URL with its numbers and query values blanked out:
/// `/lich/2026/11/28` and `/lich/2031/1/2` share `/lich/N/N/N`, and
/// `?thang=11&nam=2026` and `?thang=12&nam=2099` share `?nam&thang`. An
/// endless calendar produces endless URLs of one shape; capping the URLs
/// queued per shape defuses it.
#[must_use]
pub fn shape(url: &Url) -> String {
    let mut out = String::with_capacity(url.path().len() + 16);
    let mut in_digits = false;
    for c in url.path().chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('N');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    let mut keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    keys.sort();
    keys.dedup();
    if !keys.is_empty() {
        out.push('?');
        out.push_str(&keys.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn scope_accepts_www_twin_and_both_schemes() {
        let s = Scope::of(&u("https://www.stp.example.gov.vn/portal"));
        assert!(s.contains(&u("http://stp.example.gov.vn/a")));
        assert!(s.contains(&u("https://www.stp.example.gov.vn/b")));
        assert!(!s.contains(&u("https://example.gov.vn/")));
        assert!(!s.contains(&u("https://dichvucong.gov.vn/")));
    }

    #[test]
    fn traps_and_shapes() {
        assert!(looks_like_trap(&u("http://a.vn/x/y/x/y/x/y/")));
        assert!(looks_like_trap(&u(&format!(
            "http://a.vn/{}",
            "a".repeat(2000)
        ))));
        assert!(!looks_like_trap(&u(
            "http://a.vn/tin-tuc/2026/11/bai-viet.html"
        )));
        assert_eq!(
            shape(&u("http://a.vn/lich/2026/11/28")),
            shape(&u("http://a.vn/lich/2031/1/2"))
        );
        assert_eq!(
            shape(&u("http://a.vn/lich?thang=11&nam=2026")),
            shape(&u("http://a.vn/lich?nam=2099&thang=12"))
        );
        assert_ne!(
            shape(&u("http://a.vn/tin-tuc/")),
            shape(&u("http://a.vn/van-ban/"))
        );
    }

    #[test]
    fn scope_keeps_ports_apart() {
        let s = Scope::of(&u("http://127.0.0.1:8080/"));
        assert!(s.contains(&u("http://127.0.0.1:8080/x")));
        assert!(!s.contains(&u("http://127.0.0.1:8081/x")));
    }

    #[test]
    fn normalize_drops_fragments_sorts_queries_and_rejects_other_schemes() {
        assert_eq!(
            normalize(&u("http://A.vn:80/x/../y#top")).unwrap().as_str(),
            "http://a.vn/y"
        );
        assert_eq!(
            normalize(&u("http://a.vn/p?b=2&a=1")).unwrap().as_str(),
            "http://a.vn/p?a=1&b=2"
        );
        assert_eq!(
            normalize(&u("http://a.vn/p?")).unwrap().as_str(),
            "http://a.vn/p"
        );
        assert!(normalize(&u("mailto:a@b.vn")).is_none());
        assert!(normalize(&u("javascript:void(0)")).is_none());
    }
}
