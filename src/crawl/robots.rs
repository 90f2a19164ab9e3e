//! robots.txt, read with `texting_robots` (RFC 9309): what we may fetch, how
//! long to wait between requests, and where the sitemaps are.

use std::time::Duration;

use texting_robots::Robot;
use url::Url;

/// The product token we match robots.txt groups against.
pub const ROBOTS_AGENT: &str = "portal-audit";

/// Largest robots.txt we parse (texting_robots advises a cap).
pub const MAX_ROBOTS_BYTES: usize = 512 * 1024;

/// The rules of one site.
#[derive(Debug)]
pub enum RobotsRules {
    /// No robots.txt (4xx) or none we could parse: everything allowed.
    AllowAll,
    /// The server failed (5xx or unreachable): RFC 9309 says assume
    /// everything is disallowed.
    DisallowAll,
    /// Parsed rules.
    Parsed(Box<Robot>),
}

impl RobotsRules {
    /// Parses a fetched robots.txt body.
    #[must_use]
    pub fn parse(body: &[u8]) -> Self {
        let body = &body[..body.len().min(MAX_ROBOTS_BYTES)];
        match Robot::new(ROBOTS_AGENT, body) {
            Ok(robot) => RobotsRules::Parsed(Box::new(robot)),
            Err(_) => RobotsRules::AllowAll,
        }
    }

    /// Whether we may fetch `url`.
    #[must_use]
    pub fn allows(&self, url: &Url) -> bool {
        match self {
            RobotsRules::AllowAll => true,
            RobotsRules::DisallowAll => false,
            RobotsRules::Parsed(robot) => robot.allowed(url.as_str()),
        }
    }

    /// The Crawl-delay that applies to us, if any.
    #[must_use]
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            // A hostile `Crawl-delay: 1e20` must not panic: out-of-range
            // values mean "as slow as we allow".
            RobotsRules::Parsed(robot) => robot
                .delay
                .map(|d| Duration::try_from_secs_f32(d.max(0.0)).unwrap_or(super::MAX_CRAWL_DELAY)),
            _ => None,
        }
    }

    /// The Sitemap lines.
    #[must_use]
    pub fn sitemaps(&self) -> Vec<String> {
        match self {
            RobotsRules::Parsed(robot) => robot.sitemaps.clone(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_crawl_delay_does_not_panic() {
        let r = RobotsRules::parse(b"User-agent: *\nCrawl-delay: 1e20\n");
        assert_eq!(r.crawl_delay(), Some(super::super::MAX_CRAWL_DELAY));
    }

    #[test]
    fn parses_disallow_delay_and_sitemaps() {
        let r = RobotsRules::parse(
            b"User-agent: *\nDisallow: /admin/\nCrawl-delay: 2\nSitemap: http://a.vn/sitemap.xml\n",
        );
        assert!(r.allows(&Url::parse("http://a.vn/tin-tuc/").unwrap()));
        assert!(!r.allows(&Url::parse("http://a.vn/admin/x").unwrap()));
        assert_eq!(r.crawl_delay(), Some(Duration::from_secs(2)));
        assert_eq!(r.sitemaps(), vec!["http://a.vn/sitemap.xml".to_owned()]);
    }
}
