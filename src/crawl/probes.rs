//! What the crawler learns about a site beside its pages: robots.txt, the
//! sitemap (read as seeds and `lastmod` dates), the site's answer to an
//! address that cannot exist (a soft 404), whether its certificate is valid,
//! and whether it has an IPv6 address.

use std::time::Duration;

use url::Url;

use super::politeness::Permit;
use super::{
    Body, Crawler, Expect, Fetched, MAX_SITEMAP_FILES, RobotsRules, SitemapEntries, page_from,
    parse_sitemap,
};
use crate::page::{FailureKind, FetchFailure, Page};
use crate::site::Scope;

impl Crawler {
    /// Reads the site's robots.txt: its rules, everything allowed when there
    /// is none, nothing when the server fails; an unreachable host is the
    /// site's failure.
    pub(super) async fn read_robots(
        &self,
        site: &Url,
        scope: &Scope,
    ) -> Result<RobotsRules, FetchFailure> {
        let Ok(robots_url) = site.join("/robots.txt") else {
            return Ok(RobotsRules::AllowAll);
        };
        let permit = Permit::scope_only(scope);
        match self
            .fetcher
            .fetch(&robots_url, Expect::Raw, &|u: &Url| permit.check(u))
            .await
        {
            Ok(Fetched {
                body: Body::Raw(bytes),
                ..
            }) => Ok(RobotsRules::parse(&bytes)),
            Ok(_) => Ok(RobotsRules::AllowAll),
            Err(f) => match f.kind {
                FailureKind::Http5xx => Ok(RobotsRules::DisallowAll),
                // No usable robots.txt (404, redirect elsewhere, too big, …): no restrictions.
                FailureKind::Http4xx
                | FailureKind::RedirectOutOfScope
                | FailureKind::BodyTooLarge
                | FailureKind::TooManyRedirects
                | FailureKind::RedirectLoop
                | FailureKind::InvalidUrl
                | FailureKind::EmptyResponse
                | FailureKind::NotHtml => Ok(RobotsRules::AllowAll),
                // The host itself is unreachable: that is the site's outcome.
                _ => Err(f),
            },
        }
    }

    /// With `--insecure`, asks again with certificate checks on, so that the
    /// https finding can say what is wrong.
    pub(super) async fn check_certificate(&self, url: &Url) -> Option<String> {
        let strict = self.strict.as_ref()?;
        if url.scheme() != "https" {
            return None;
        }
        // Only the handshake matters: no redirect is followed anywhere.
        let only_this = |u: &Url| {
            if u == url {
                Ok(())
            } else {
                Err(FetchFailure::new(
                    FailureKind::RedirectOutOfScope,
                    u.to_string(),
                ))
            }
        };
        match strict.fetch_once(url, Expect::Raw, &only_this).await {
            Err(f)
                if matches!(
                    f.kind,
                    FailureKind::TlsInvalidCert | FailureKind::TlsHandshake
                ) =>
            {
                Some(format!("{}: {}", f.kind, f.detail))
            }
            _ => None,
        }
    }

    /// Asks for an address that cannot exist. A site that answers it with a
    /// 200 page is one that answers every broken link the same way (a soft
    /// 404); that page is kept so its content can be recognised elsewhere.
    pub(super) async fn probe_not_found(&self, site: &Url, permit: &Permit) -> Option<Page> {
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
            ^ std::process::id();
        let probe = site
            .join(&format!("/portal-audit-probe-{nonce:08x}-khong-ton-tai"))
            .ok()?;
        if !permit.robots_allow(&probe) {
            return None;
        }
        match self
            .fetcher
            .fetch(&probe, Expect::Html, &|u: &Url| permit.check(u))
            .await
        {
            Ok(fetched) => Some(page_from(probe, 1, Ok(fetched))),
            Err(_) => None,
        }
    }

    /// The first candidate that answers with a sitemap, every URL tried, and
    /// the pages it (and up to three child sitemaps) lists, to seed the crawl.
    pub(super) async fn probe_sitemap(&self, site: &Url, permit: &Permit) -> SitemapProbe {
        let max = self.sitemap_entries_read();
        let mut probe = SitemapProbe::default();
        for candidate in sitemap_candidates(site, permit) {
            probe.tried.push(candidate.clone());
            let Some((entries, final_url)) = self.read_sitemap(&candidate, permit).await else {
                continue;
            };
            probe.tried.push(final_url.clone());
            if entries.pages.is_empty() && entries.children.is_empty() {
                continue; // gzip or XML that lists nothing is no sitemap
            }
            probe.seeds = entries.pages;
            probe.lastmod = entries.lastmod;
            for child in entries
                .children
                .into_iter()
                .filter(|c| permit.is_on_site(c))
                .take(MAX_SITEMAP_FILES)
            {
                if probe.seeds.len() >= max {
                    break;
                }
                probe.tried.push(child.clone());
                if let Some((child_entries, _)) = self.read_sitemap(&child, permit).await {
                    probe.seeds.extend(child_entries.pages);
                    probe.lastmod.extend(child_entries.lastmod);
                }
            }
            probe.seeds.truncate(max);
            probe.found = Some(final_url);
            break;
        }
        probe
    }

    /// Sitemap entries read at most: as many as pages may be fetched, for an
    /// exhaustive crawl that queues them all; more for one that reads the
    /// sitemap as an index and fetches only the entries that name an item.
    fn sitemap_entries_read(&self) -> usize {
        if self.config.exhaustive {
            self.config.max_pages
        } else {
            self.config.max_pages.max(super::MAX_SITEMAP_INDEX)
        }
    }

    /// The entries of the sitemap at `url` and where it was served from, if
    /// it answers with something that looks like one.
    async fn read_sitemap(&self, url: &Url, permit: &Permit) -> Option<(SitemapEntries, Url)> {
        let Ok(Fetched {
            body: Body::Raw(bytes),
            final_url,
            ..
        }) = self
            .fetcher
            .fetch(url, Expect::Raw, &|u: &Url| permit.check(u))
            .await
        else {
            return None;
        };
        looks_like_sitemap(&bytes).then(|| {
            (
                parse_sitemap(&bytes, &final_url, self.sitemap_entries_read()),
                final_url,
            )
        })
    }
}

/// Where a site's sitemap may be: its robots.txt's `Sitemap:` lines on the
/// site, then `/sitemap.xml`; at most [`MAX_SITEMAP_FILES`].
fn sitemap_candidates(site: &Url, permit: &Permit) -> Vec<Url> {
    let mut candidates: Vec<Url> = permit
        .robots()
        .sitemaps()
        .iter()
        .filter_map(|s| site.join(s).ok())
        .filter(|u| permit.is_on_site(u))
        .collect();
    if let Ok(default) = site.join("/sitemap.xml")
        && !candidates.contains(&default)
    {
        candidates.push(default);
    }
    candidates.truncate(MAX_SITEMAP_FILES);
    candidates
}

/// What probing for a sitemap found.
#[derive(Debug, Default)]
pub(super) struct SitemapProbe {
    /// The sitemap that answered.
    pub(super) found: Option<Url>,
    /// Every sitemap URL requested.
    pub(super) tried: Vec<Url>,
    /// Pages it lists.
    pub(super) seeds: Vec<Url>,
    /// Pages with a `<lastmod>`.
    pub(super) lastmod: Vec<(Url, jiff::civil::Date)>,
}

/// Whether `url`'s host is an IP address of a private, loopback, link-local
/// or unspecified range (names are not resolved here).
pub(super) fn is_private_address(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => {
            ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified()
        }
        Some(url::Host::Ipv6(ip)) => {
            let first = ip.segments()[0];
            ip.is_loopback()
                || ip.is_unspecified()
                || first & 0xfe00 == 0xfc00
                || first & 0xffc0 == 0xfe80
        }
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
#[test]
fn private_addresses_are_recognised() {
    for private in [
        "http://10.0.0.5/",
        "http://169.254.169.254/",
        "http://127.0.0.1:8080/",
        "http://[::1]/",
        "http://[fd00::1]/",
        "http://localhost/",
        "http://0.0.0.0/",
    ] {
        assert!(
            is_private_address(&Url::parse(private).unwrap()),
            "{private}"
        );
    }
    for public in [
        "https://stp.hoabinh.gov.vn/",
        "http://203.162.0.1/",
        "http://[2001:db8::1]/",
    ] {
        assert!(
            !is_private_address(&Url::parse(public).unwrap()),
            "{public}"
        );
    }
}

pub(super) async fn has_ipv6(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv6(_)) => true,
        Some(url::Host::Domain(domain)) => {
            let port = url.port_or_known_default().unwrap_or(443);
            let lookup = tokio::net::lookup_host((domain.to_owned(), port));
            match tokio::time::timeout(Duration::from_secs(5), lookup).await {
                Ok(Ok(mut addrs)) => addrs.any(|a| a.is_ipv6()),
                _ => false,
            }
        }
        _ => false,
    }
}

fn looks_like_sitemap(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return true; // gzip-compressed sitemap
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    head.contains("<urlset") || head.contains("<sitemapindex")
}
