//! One HTTP fetch done carefully: a shared connection budget, redirects
//! followed by hand so that each hop is checked against scope and robots.txt
//! before any request (or DNS lookup) is made, a cap on decompressed body size,
//! and every failure named.

use std::collections::HashSet;
use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use tokio::sync::Semaphore;
use url::Url;

use super::decode::decode_html;
use crate::page::{FailureKind, FetchFailure};

/// Bytes reserved for a body on the strength of its Content-Length alone.
const RESERVE_AT_MOST: usize = 1 << 20;

/// Wait assumed when Retry-After is a date rather than seconds.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);
/// Longest wait between two tries of one URL; a longer Retry-After is not
/// honoured by waiting but by giving up on the URL.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);

/// Settings of the HTTP client.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Sent with every request; names the tool and a contact URL.
    pub user_agent: String,
    /// Limit for one request, from connecting to the last body byte.
    pub timeout: Duration,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Largest body we read, after decompression.
    pub max_body_bytes: usize,
    /// Most redirects followed for one URL.
    pub max_redirects: usize,
    /// Accept invalid TLS certificates.
    pub insecure: bool,
    /// Extra tries for a transient failure (reset, timeout, 5xx, 429).
    pub retries: usize,
}

/// What a fetch returned.
#[derive(Debug)]
pub struct Fetched {
    /// URL after redirects.
    pub final_url: Url,
    /// HTTP status of the last hop.
    pub status: u16,
    /// Content type of the last hop.
    pub content_type: Option<String>,
    /// The body, as asked for.
    pub body: Body,
}

/// A body in the form the caller asked for.
#[derive(Debug)]
pub enum Body {
    /// Decoded HTML.
    Html(String),
    /// Not HTML; not read.
    Skipped,
    /// Raw bytes (robots.txt, sitemaps).
    Raw(Vec<u8>),
}

/// What the caller wants from the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// HTML to parse; other content types are not read.
    Html,
    /// Raw bytes whatever the type (robots.txt, sitemap.xml).
    Raw,
}

/// An HTTP client with `config`'s limits and the run's TLS configuration
/// that follows no redirect itself.
fn client_for(
    config: &FetchConfig,
    tls: &rustls::ClientConfig,
) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls.clone())
        .user_agent(config.user_agent.clone())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.timeout)
        .connect_timeout(config.connect_timeout)
        .read_timeout(config.timeout)
        .pool_max_idle_per_host(8)
        // A site's connections must not outlive it by long: with thousands
        // of sites they held a file and ~70 KB each for reqwest's default
        // 90 s (15,858 files at 4,000 loopback sites). Within a site,
        // requests follow each other well inside this.
        .pool_idle_timeout(IDLE_CONNECTION_TIMEOUT)
        .build()
}

/// The HTTP client of one run or one site, with the run's cap on requests
/// in flight.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    global: Arc<Semaphore>,
    config: Arc<FetchConfig>,
    tls: Arc<rustls::ClientConfig>,
}

impl Fetcher {
    /// Builds the client. `max_in_flight` caps requests across all sites.
    ///
    /// # Errors
    /// When the TLS backend cannot be initialised.
    pub fn new(config: FetchConfig, max_in_flight: usize) -> anyhow::Result<Self> {
        // reqwest is built without a bundled crypto provider; ring is ours.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = super::tls::client_config(config.insecure)?;
        Ok(Self {
            client: client_for(&config, &tls)?,
            global: Arc::new(Semaphore::new(max_in_flight.max(1))),
            config: Arc::new(config),
            tls: Arc::new(tls),
        })
    }

    /// The same fetcher with a connection pool of its own, for one site:
    /// when the site is done and its fetcher dropped, its connections close
    /// at once. Kept open past the site, thousands of finished sites'
    /// connections held a file and some 70 KB each.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn for_site(&self) -> Result<Self, FetchFailure> {
        let client = client_for(&self.config, &self.tls).map_err(|e| {
            FetchFailure::new(
                FailureKind::Internal,
                format!("cannot build an HTTP client: {e}"),
            )
        })?;
        Ok(Self {
            client,
            global: Arc::clone(&self.global),
            config: Arc::clone(&self.config),
            tls: Arc::clone(&self.tls),
        })
    }

    /// Fetches `url` like [`Fetcher::fetch_once`], trying again after a
    /// transient failure (connection reset, timeout, 5xx, 429) with a growing
    /// pause, or the server's Retry-After when it gives one. Permanent
    /// failures (DNS, certificates, 404) are never retried.
    pub async fn fetch(
        &self,
        url: &Url,
        expect: Expect,
        permit: &(dyn Fn(&Url) -> Result<(), FetchFailure> + Sync),
    ) -> Result<Fetched, FetchFailure> {
        let mut attempt: u32 = 0;
        loop {
            match self.fetch_once(url, expect, permit).await {
                Err(failure)
                    if failure.kind.is_transient() && (attempt as usize) < self.config.retries =>
                {
                    let backoff =
                        Duration::from_millis(500).saturating_mul(2u32.saturating_pow(attempt));
                    let wait = failure.retry_after.unwrap_or(backoff).max(backoff);
                    if wait > MAX_RETRY_WAIT {
                        return Err(failure);
                    }
                    tracing::debug!(%url, %failure, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }

    /// Fetches `url` once, following redirects by hand. `permit` is asked
    /// about every hop before it is requested; a refusal ends the fetch with
    /// its failure.
    pub async fn fetch_once(
        &self,
        url: &Url,
        expect: Expect,
        permit: &(dyn Fn(&Url) -> Result<(), FetchFailure> + Sync),
    ) -> Result<Fetched, FetchFailure> {
        let mut current = url.clone();
        let mut visited = HashSet::new();
        for _ in 0..=self.config.max_redirects {
            permit(&current)?;
            if !visited.insert(current.clone()) {
                return Err(FetchFailure::new(
                    FailureKind::RedirectLoop,
                    format!("redirect loop at {current}"),
                ));
            }
            let response = self.send(&current).await?;
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response.headers().get(LOCATION)
            {
                // Vietnamese servers send raw UTF-8 in Location (`/tin-tức`):
                // take it as text; `join` percent-encodes it.
                let location = String::from_utf8_lossy(location.as_bytes());
                let location = location.as_ref();
                let next = current.join(location).map_err(|e| {
                    FetchFailure::new(
                        FailureKind::InvalidUrl,
                        format!("bad redirect Location `{location}`: {e}"),
                    )
                })?;
                if !matches!(next.scheme(), "http" | "https") {
                    return Err(FetchFailure::new(
                        FailureKind::InvalidUrl,
                        format!("redirect to `{next}`"),
                    ));
                }
                current = next;
                continue;
            }
            return self.read(current, response, expect).await;
        }
        Err(FetchFailure::new(
            FailureKind::TooManyRedirects,
            format!(
                "more than {} redirects from {url}",
                self.config.max_redirects
            ),
        ))
    }

    async fn send(&self, url: &Url) -> Result<reqwest::Response, FetchFailure> {
        let _slot = self.global.acquire().await.expect("semaphore never closed");
        self.client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| classify(&e))
    }

    async fn read(
        &self,
        url: Url,
        mut response: reqwest::Response,
        expect: Expect,
    ) -> Result<Fetched, FetchFailure> {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if status >= 400 {
            let kind = match status {
                429 => FailureKind::RateLimited,
                500.. => FailureKind::Http5xx,
                _ => FailureKind::Http4xx,
            };
            let mut failure = FetchFailure::http(kind, status, format!("HTTP {status} at {url}"));
            failure.retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs)
                });
            return Err(failure);
        }
        let is_html = content_type
            .as_deref()
            .is_none_or(|ct| ct.to_ascii_lowercase().contains("html"));
        if expect == Expect::Html && !is_html {
            return Ok(Fetched {
                final_url: url,
                status,
                content_type,
                body: Body::Skipped,
            });
        }
        // Sized from Content-Length, not grown by doubling; but a server's
        // claim reserves at most 1 MiB before the bytes arrive.
        let expected = response.content_length().unwrap_or(0);
        let mut bytes = Vec::with_capacity(usize::try_from(expected).map_or(0, |n| {
            n.min(self.config.max_body_bytes).min(RESERVE_AT_MOST)
        }));
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            if bytes.len() + chunk.len() > self.config.max_body_bytes {
                return Err(FetchFailure::http(
                    FailureKind::BodyTooLarge,
                    status,
                    format!("body over {} bytes at {url}", self.config.max_body_bytes),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = match expect {
            Expect::Raw => Body::Raw(bytes),
            Expect::Html => {
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    return Err(FetchFailure::http(
                        FailureKind::EmptyResponse,
                        status,
                        format!("empty body at {url}"),
                    ));
                }
                Body::Html(decode_html(&bytes, content_type.as_deref()))
            }
        };
        Ok(Fetched {
            final_url: url,
            status,
            content_type,
            body,
        })
    }
}

/// How long an idle connection is kept for the next request to its host.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(2);

/// Names a reqwest failure by walking its chain of causes.
fn classify(error: &reqwest::Error) -> FetchFailure {
    let detail = chain_text(error);
    let lower = detail.to_ascii_lowercase();
    if lower.contains("too many open files") {
        // The machine's limit, not the site's fault.
        return FetchFailure::new(
            FailureKind::Internal,
            format!(
                "this machine ran out of open files (raise `ulimit -n`, or lower --concurrency): {detail}"
            ),
        );
    }
    let io_kind = {
        let mut source = error.source();
        let mut found = None;
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                found = Some(io.kind());
            }
            source = s.source();
        }
        found
    };
    let kind = if error.is_timeout() || matches!(io_kind, Some(std::io::ErrorKind::TimedOut)) {
        FailureKind::Timeout
    } else if lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
    {
        FailureKind::DnsError
    } else if matches!(io_kind, Some(std::io::ErrorKind::ConnectionRefused)) {
        FailureKind::ConnectRefused
    } else if lower.contains("certificate")
        || lower.contains("invalidcertificate")
        || lower.contains("unknownissuer")
    {
        FailureKind::TlsInvalidCert
    } else if lower.contains("tls")
        || lower.contains("handshake")
        || lower.contains("peer is incompatible")
    {
        FailureKind::TlsHandshake
    } else if matches!(
        io_kind,
        Some(
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::BrokenPipe
        )
    ) || lower.contains("connection closed")
        || lower.contains("reset")
    {
        FailureKind::ConnectReset
    } else {
        FailureKind::Network
    };
    FetchFailure::new(kind, detail)
}

fn chain_text(error: &reqwest::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
