//! What the crawler hands on for each URL it fetched: the decoded page, or the
//! named reason it could not be had. A failure here is an outcome (data), not
//! an error of the tool.

use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

/// One fetched URL.
#[derive(Debug, Clone)]
pub struct Page {
    /// The URL as it was queued (normalised).
    pub requested: Url,
    /// The URL after redirects.
    pub url: Url,
    /// Link distance from the start page.
    pub depth: u32,
    /// What came back.
    pub outcome: PageOutcome,
}

/// What a fetch produced.
#[derive(Debug, Clone)]
pub enum PageOutcome {
    /// An HTML page answered 2xx, decoded to UTF-8 (NFC).
    Html {
        /// HTTP status.
        status: u16,
        /// The decoded document.
        body: String,
        /// `body` is the DOM a browser built by running the page's scripts,
        /// not the HTML the server sent.
        rendered: bool,
    },
    /// A 2xx answer that is not HTML (PDF, image, spreadsheet…): a document
    /// exists at this URL, but there is nothing to parse.
    Document {
        /// The declared content type.
        content_type: String,
    },
    /// The URL redirected to a page this crawl already fetched; that page's
    /// verdict stands for this one too.
    SameAs(Url),
    /// The fetch failed, with the reason.
    Failed(FetchFailure),
}

/// Why a fetch did not yield a page. Each kind has a stable code for CSV cells
/// and a one-line hint for the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureKind {
    /// The host name does not resolve.
    DnsError,
    /// Nothing listens on the port.
    ConnectRefused,
    /// The server dropped the connection.
    ConnectReset,
    /// No complete answer within the time limit.
    Timeout,
    /// The certificate is expired, self-signed or for another name.
    TlsInvalidCert,
    /// TLS could not be negotiated.
    TlsHandshake,
    /// More redirects than the limit.
    TooManyRedirects,
    /// A redirect leads back to a URL already visited.
    RedirectLoop,
    /// A redirect leaves the site's scope; not followed.
    RedirectOutOfScope,
    /// The server answered 429 Too Many Requests.
    RateLimited,
    /// The server answered 4xx.
    Http4xx,
    /// The server answered 5xx.
    Http5xx,
    /// robots.txt forbids us this URL.
    RobotsDisallowed,
    /// The answer is not HTML.
    NotHtml,
    /// The body exceeds the size cap.
    BodyTooLarge,
    /// The server answered with an empty body.
    EmptyResponse,
    /// The URL cannot be fetched (bad syntax, unsupported scheme).
    InvalidUrl,
    /// Another network failure.
    Network,
    /// The run was stopped (Ctrl-C, SIGTERM) before this was done.
    Interrupted,
    /// portal-audit itself failed on this site (a bug).
    Internal,
    /// A redirect leads to a page this crawl already fetched (not fetched
    /// again; not a fault of the site).
    AlreadyFetched,
}

impl FailureKind {
    /// Stable snake_case code used in CSV cells.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::DnsError => "dns_error",
            FailureKind::ConnectRefused => "connect_refused",
            FailureKind::ConnectReset => "connect_reset",
            FailureKind::Timeout => "timeout",
            FailureKind::TlsInvalidCert => "tls_invalid_cert",
            FailureKind::TlsHandshake => "tls_handshake",
            FailureKind::TooManyRedirects => "too_many_redirects",
            FailureKind::RedirectLoop => "redirect_loop",
            FailureKind::RedirectOutOfScope => "redirect_out_of_scope",
            FailureKind::RateLimited => "rate_limited",
            FailureKind::Http4xx => "http_4xx",
            FailureKind::Http5xx => "http_5xx",
            FailureKind::RobotsDisallowed => "robots_disallowed",
            FailureKind::NotHtml => "not_html",
            FailureKind::BodyTooLarge => "body_too_large",
            FailureKind::EmptyResponse => "empty_response",
            FailureKind::InvalidUrl => "invalid_url",
            FailureKind::Network => "network_error",
            FailureKind::AlreadyFetched => "already_fetched",
            FailureKind::Interrupted => "interrupted",
            FailureKind::Internal => "internal_error",
        }
    }

    /// What went wrong, in a few words.
    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            FailureKind::DnsError => "The domain name does not resolve",
            FailureKind::ConnectRefused => "The server refuses connections",
            FailureKind::ConnectReset => "The server drops connections",
            FailureKind::Timeout => "The server is too slow to answer",
            FailureKind::TlsInvalidCert => "The TLS certificate is invalid",
            FailureKind::TlsHandshake => "TLS cannot be negotiated",
            FailureKind::TooManyRedirects => "Too many redirects",
            FailureKind::RedirectLoop => "A redirect loop",
            FailureKind::RedirectOutOfScope => "Redirects to another site",
            FailureKind::RateLimited => "Too many requests (HTTP 429)",
            FailureKind::Http4xx => "The page is missing or forbidden",
            FailureKind::Http5xx => "The server fails with an error",
            FailureKind::RobotsDisallowed => "robots.txt forbids crawling",
            FailureKind::NotHtml => "Not a web page",
            FailureKind::BodyTooLarge => "The page is far too large",
            FailureKind::EmptyResponse => "An empty answer",
            FailureKind::InvalidUrl => "An invalid address",
            FailureKind::Network => "A network error",
            FailureKind::AlreadyFetched => "Redirects to a page already audited",
            FailureKind::Interrupted => "The audit was interrupted",
            FailureKind::Internal => "portal-audit failed on this site",
        }
    }

    /// What the agency can do about it, in one line.
    #[must_use]
    pub fn hint(self) -> &'static str {
        match self {
            FailureKind::DnsError => {
                "The domain name does not resolve: check the DNS records with the domain registrar."
            }
            FailureKind::ConnectRefused => {
                "The server refuses connections: check that the web server is running and the firewall allows it."
            }
            FailureKind::ConnectReset => {
                "The server drops connections: check the web server, load balancer and firewall logs."
            }
            FailureKind::Timeout => {
                "The server is too slow to answer: check its load, network and application performance."
            }
            FailureKind::TlsInvalidCert => {
                "The TLS certificate is invalid (expired, self-signed or for another name): renew it from a trusted authority."
            }
            FailureKind::TlsHandshake => {
                "TLS cannot be negotiated: enable TLS 1.2 or 1.3 with current cipher suites."
            }
            FailureKind::TooManyRedirects => {
                "The address redirects too many times: simplify the redirect chain."
            }
            FailureKind::RedirectLoop => "The address redirects in a loop: fix the redirect rules.",
            FailureKind::RedirectOutOfScope => {
                "The address redirects out of the site: check the address in the targets file, or audit with --follow-start-redirects."
            }
            FailureKind::RateLimited => {
                "The server refuses requests as too many (HTTP 429): allow a polite crawler a few requests per second."
            }
            FailureKind::Http4xx => {
                "The page is missing or forbidden (HTTP 4xx): restore it or fix the link."
            }
            FailureKind::Http5xx => {
                "The server fails with an error (HTTP 5xx): check the application logs."
            }
            FailureKind::RobotsDisallowed => {
                "robots.txt forbids crawling: allow public pages so citizens' search engines can find them."
            }
            FailureKind::NotHtml => "The address does not serve a web page.",
            FailureKind::BodyTooLarge => {
                "The page is far too large: split it or remove embedded data."
            }
            FailureKind::EmptyResponse => {
                "The server answers with an empty page: check the application."
            }
            FailureKind::InvalidUrl => "The address is not a valid http(s) URL: fix it.",
            FailureKind::Network => {
                "A network error prevented the audit: check connectivity to the server."
            }
            FailureKind::AlreadyFetched => "The address redirects to a page already audited.",
            FailureKind::Internal => {
                "portal-audit failed on this site: please report it with the logs."
            }
            FailureKind::Interrupted => {
                "The audit was stopped before this site was done: run it again."
            }
        }
    }

    /// Whether trying again later may succeed.
    #[must_use]
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            FailureKind::ConnectReset
                | FailureKind::Timeout
                | FailureKind::Http5xx
                | FailureKind::RateLimited
                | FailureKind::Network
        )
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A failed fetch: the kind, the HTTP status if any, and a detail line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchFailure {
    /// The named reason.
    pub kind: FailureKind,
    /// HTTP status, when the server answered.
    pub status: Option<u16>,
    /// Technical detail for logs and the errors column.
    pub detail: String,
    /// How long the server asked us to wait (Retry-After), if it did.
    pub retry_after: Option<std::time::Duration>,
    /// Where the start page redirected, when that redirect left the site
    /// and ended its audit (boxed: nearly every failure has none).
    pub left_site: Option<Box<LeftSite>>,
}

/// A start page's redirect out of the site, which was not followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftSite {
    /// Where it led.
    pub to: Url,
    /// The registrable domain the start URL and `to` share, when they do
    /// (a department's address sent into its province's portal).
    pub shared_domain: Option<String>,
}

impl FetchFailure {
    /// A failure with a detail line.
    pub fn new(kind: FailureKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            status: None,
            detail: detail.into(),
            retry_after: None,
            left_site: None,
        }
    }

    /// A failure on an HTTP answer with `status`.
    pub fn http(kind: FailureKind, status: u16, detail: impl Into<String>) -> Self {
        Self {
            kind,
            status: Some(status),
            detail: detail.into(),
            retry_after: None,
            left_site: None,
        }
    }
}

impl fmt::Display for FetchFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.detail)
    }
}
