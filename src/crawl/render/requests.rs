//! What a rendered page may load: the rule every request the browser makes
//! is judged by, before anything leaves the process. The page's own HTML is
//! the one the crawler fetched; scripts and data on the site are fetched by
//! the crawler under its scope and robots.txt; a frame is a page and counts
//! against the page budget; images, fonts, media and styles are not needed
//! to build the DOM and are not loaded; another host is blocked unless the
//! user named it with `--render-allow-host`.

use url::Url;

use crate::crawl::politeness::Permit;

/// What a request is for, as the browser says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::crawl) enum RequestKind {
    /// The page being rendered, or a navigation of its main frame.
    MainDocument,
    /// A frame's document.
    FrameDocument,
    /// A script, or data a script asks for (XHR, fetch).
    Script,
    /// Images, fonts, media, style sheets, pings: nothing the DOM's links
    /// and text are built from.
    Asset,
}

/// Why a request was not let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::crawl) enum Blocked {
    /// Another host, not named with `--render-allow-host`.
    OtherHost,
    /// robots.txt disallows it.
    Robots,
    /// A frame over the site's page budget.
    PageBudget,
    /// Not a GET: a page's script may not send anything to the site.
    Method,
    /// The main frame leaving the page being rendered.
    Navigation,
    /// Past the requests one rendered page may make.
    TooMany,
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::crawl) enum Decision {
    /// Answer with the HTML the crawler already fetched.
    ThePage,
    /// Fetch it through the crawler; `as_page` when it counts against the
    /// page budget.
    Fetch { as_page: bool },
    /// Not needed to build the DOM: refused quietly.
    Skip,
    /// Refused, and counted in the site's notes.
    Block(Blocked),
}

/// The rules a rendered page's requests are judged by.
pub(in crate::crawl) struct PageRules<'a> {
    /// The page being rendered.
    pub page: &'a Url,
    /// The site's scope and robots.txt.
    pub permit: &'a Permit,
    /// `--render-allow-host`.
    pub allow_hosts: &'a [String],
}

/// Judges one request of a page being rendered. `first` while the page's
/// own document has not been served, `pages_left` whether the page budget
/// allows another page.
pub(in crate::crawl) fn judge(
    request: &Url,
    method: &str,
    kind: RequestKind,
    rules: &PageRules<'_>,
    first: bool,
    pages_left: bool,
) -> Decision {
    let PageRules {
        page,
        permit,
        allow_hosts,
    } = *rules;
    if kind == RequestKind::MainDocument {
        return if first && same_document(request, page) {
            Decision::ThePage
        } else {
            Decision::Block(Blocked::Navigation)
        };
    }
    if kind == RequestKind::Asset {
        return Decision::Skip;
    }
    let on_site = permit.is_on_site(request);
    if !on_site && !host_allowed(request, allow_hosts) {
        return Decision::Block(Blocked::OtherHost);
    }
    if !method.eq_ignore_ascii_case("GET") {
        return Decision::Block(Blocked::Method);
    }
    if on_site && !permit.robots_allow(request) {
        return Decision::Block(Blocked::Robots);
    }
    match kind {
        RequestKind::FrameDocument if !pages_left => Decision::Block(Blocked::PageBudget),
        RequestKind::FrameDocument => Decision::Fetch { as_page: true },
        _ => Decision::Fetch { as_page: false },
    }
}

/// The same document, the fragment aside.
fn same_document(a: &Url, b: &Url) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    a.set_fragment(None);
    b.set_fragment(None);
    a == b
}

/// Whether `url`'s host is one the user let through: `cdn.example.vn`
/// (any port) or `cdn.example.vn:8080`.
pub(in crate::crawl) fn host_allowed(url: &Url, allow_hosts: &[String]) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let port = url.port_or_known_default();
    allow_hosts.iter().any(|allowed| {
        let allowed = allowed.trim().trim_end_matches('/').to_ascii_lowercase();
        match allowed.rsplit_once(':') {
            Some((h, p)) if p.parse::<u16>().is_ok() => {
                h.eq_ignore_ascii_case(host) && p.parse::<u16>().ok() == port
            }
            _ => allowed.eq_ignore_ascii_case(host),
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::crawl::RobotsRules;
    use crate::site::Scope;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn each_kind_of_request_is_judged_by_the_crawlers_rules() {
        let page = url("http://127.0.0.1:8080/gioi-thieu/");
        let robots = RobotsRules::parse(b"User-agent: *\nDisallow: /quan-tri/\n");
        let permit = Permit::on_site(Arc::new(Scope::of(&page)), Arc::new(robots));
        let allow = vec!["127.0.0.3".to_owned(), "cdn.example.vn:8443".to_owned()];
        let rules = PageRules {
            page: &page,
            permit: &permit,
            allow_hosts: &allow,
        };
        let judge = |u: &str, method: &str, kind: RequestKind, first: bool, left: bool| {
            judge(&url(u), method, kind, &rules, first, left)
        };
        use RequestKind::*;
        assert_eq!(
            judge(page.as_str(), "GET", MainDocument, true, true),
            Decision::ThePage
        );
        assert_eq!(
            judge(
                "http://127.0.0.1:8080/khac/",
                "GET",
                MainDocument,
                false,
                true
            ),
            Decision::Block(Blocked::Navigation)
        );
        let fetch = Decision::Fetch { as_page: false };
        assert_eq!(
            judge(
                "http://127.0.0.1:8080/api/menu.json",
                "GET",
                Script,
                false,
                true
            ),
            fetch
        );
        assert_eq!(
            judge(
                "http://127.0.0.1:8080/api/menu.json",
                "POST",
                Script,
                false,
                true
            ),
            Decision::Block(Blocked::Method)
        );
        assert_eq!(
            judge(
                "http://127.0.0.1:8080/quan-tri/a.js",
                "GET",
                Script,
                false,
                true
            ),
            Decision::Block(Blocked::Robots)
        );
        assert_eq!(
            judge(
                "http://127.0.0.2:8080/widget.js",
                "GET",
                Script,
                false,
                true
            ),
            Decision::Block(Blocked::OtherHost)
        );
        assert_eq!(
            judge(
                "https://www.google-analytics.com/ga.js",
                "GET",
                Script,
                false,
                true
            ),
            Decision::Block(Blocked::OtherHost)
        );
        assert_eq!(
            judge("http://127.0.0.3:9/x.js", "GET", Script, false, true),
            fetch
        );
        assert_eq!(
            judge(
                "https://cdn.example.vn:8443/x.js",
                "GET",
                Script,
                false,
                true
            ),
            fetch
        );
        assert_eq!(
            judge("https://cdn.example.vn/x.js", "GET", Script, false, true),
            Decision::Block(Blocked::OtherHost)
        );
        assert_eq!(
            judge("http://127.0.0.2:8080/logo.png", "GET", Asset, false, true),
            Decision::Skip
        );
        assert_eq!(
            judge(
                "http://127.0.0.1:8080/khung.html",
                "GET",
                FrameDocument,
                false,
                true
            ),
            Decision::Fetch { as_page: true }
        );
        assert_eq!(
            judge(
                "http://127.0.0.1:8080/khung.html",
                "GET",
                FrameDocument,
                false,
                false
            ),
            Decision::Block(Blocked::PageBudget)
        );
    }
}
