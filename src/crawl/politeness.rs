//! Politeness toward one site, in two values: a [`Permit`] says which URLs a
//! fetch may request (its own and every redirect hop), and a [`Pace`] says
//! how many requests may be in flight and when the next may start, slowing
//! down (never up) after a 429 or 5xx.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

use super::{MAX_CRAWL_DELAY, RobotsRules};
use crate::page::{FailureKind, FetchFailure};
use crate::site::{Scope, normalize, url_key};

/// Pages fetched for a site (as requested and after redirects), shared by
/// its fetch tasks so that a redirect to a page already fetched, or still in
/// flight, is not followed.
pub(super) type Fetched = Arc<Mutex<HashSet<u64>>>;

/// The URLs one fetch may request: in the site's scope and allowed by its
/// robots.txt; with a record of fetched pages, also not fetched already.
#[derive(Debug, Clone)]
pub(super) struct Permit {
    scope: Arc<Scope>,
    robots: Arc<RobotsRules>,
    /// With the URL the fetch asked for, which it may always request.
    fetched: Option<(Fetched, Url)>,
}

impl Permit {
    /// Anything on the site that robots.txt allows.
    pub(super) fn on_site(scope: Arc<Scope>, robots: Arc<RobotsRules>) -> Self {
        Self {
            scope,
            robots,
            fetched: None,
        }
    }

    /// Anything on the site, before its robots.txt is known (robots.txt
    /// itself).
    pub(super) fn scope_only(scope: &Scope) -> Self {
        Self::on_site(Arc::new(scope.clone()), Arc::new(RobotsRules::AllowAll))
    }

    /// The page `requested`, and redirects to pages on the site that robots
    /// allows and `fetched` does not hold.
    pub(super) fn page(&self, requested: Url, fetched: Fetched) -> Self {
        Self {
            fetched: Some((fetched, requested)),
            ..self.clone()
        }
    }

    /// Whether `url` may be requested; if not, the failure that says why.
    pub(super) fn check(&self, url: &Url) -> Result<(), FetchFailure> {
        if let Some((fetched, requested)) = &self.fetched {
            let already = url != requested
                && normalize(url)
                    .is_some_and(|n| fetched.lock().is_ok_and(|f| f.contains(&url_key(&n))));
            if already {
                return Err(FetchFailure::new(FailureKind::AlreadyFetched, url.as_str()));
            }
        }
        if !self.scope.contains(url) {
            Err(FetchFailure::new(
                FailureKind::RedirectOutOfScope,
                format!("leaves the site: {url}"),
            ))
        } else if !self.robots.allows(url) {
            Err(FetchFailure::new(
                FailureKind::RobotsDisallowed,
                format!("robots.txt disallows {url}"),
            ))
        } else {
            Ok(())
        }
    }

    /// Whether `url` is on the site (robots.txt aside).
    pub(super) fn is_on_site(&self, url: &Url) -> bool {
        self.scope.contains(url)
    }

    /// The site's robots.txt.
    pub(super) fn robots(&self) -> &RobotsRules {
        &self.robots
    }

    /// Whether robots.txt allows `url`.
    pub(super) fn robots_allow(&self, url: &Url) -> bool {
        self.robots.allows(url)
    }
}

/// When requests to one site may start: at most `per_host` in flight, no
/// closer together than `interval`, which grows after 429 and 5xx answers.
#[derive(Debug)]
pub(super) struct Pace {
    per_host: usize,
    interval: Duration,
    next_slot: Instant,
}

impl Pace {
    /// `per_host` requests at once, `interval` apart (robots.txt's
    /// `Crawl-delay` can raise it, up to [`MAX_CRAWL_DELAY`]).
    pub(super) fn new(per_host: usize, interval: Duration, crawl_delay: Option<Duration>) -> Self {
        let interval = crawl_delay.map_or(interval, |d| d.min(MAX_CRAWL_DELAY).max(interval));
        Self {
            per_host: per_host.max(1),
            interval,
            next_slot: Instant::now(),
        }
    }

    /// Whether another request may be in flight beside `inflight` others.
    pub(super) fn has_room(&self, inflight: usize) -> bool {
        inflight < self.per_host
    }

    /// Books the next slot at or after `now`; the request waits for it.
    pub(super) fn book(&mut self, now: Instant) -> Instant {
        let slot = self.next_slot.max(now);
        self.next_slot = slot + self.interval;
        slot
    }

    /// After a 429 or 5xx, waits longer between requests to this site, never
    /// shorter: an overloaded server gets relief, not more traffic.
    pub(super) fn slow_down(&mut self, failure: &FetchFailure) {
        if matches!(
            failure.kind,
            FailureKind::RateLimited | FailureKind::Http5xx
        ) {
            let doubled = (self.interval * 2).max(Duration::from_millis(500));
            let asked = failure.retry_after.unwrap_or_default();
            self.interval = doubled.max(asked).min(MAX_CRAWL_DELAY);
            tracing::debug!(interval = ?self.interval, "slowing down");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permit_keeps_to_the_site_robots_and_pages_not_fetched() {
        let home = Url::parse("http://a.vn/").unwrap();
        let robots = RobotsRules::parse(b"User-agent: *\nDisallow: /admin/\n");
        let permit = Permit::on_site(Arc::new(Scope::of(&home)), Arc::new(robots));
        assert!(permit.check(&home.join("/x").unwrap()).is_ok());
        let kind = |p: &Permit, u: &str| p.check(&Url::parse(u).unwrap()).unwrap_err().kind;
        assert_eq!(
            kind(&permit, "http://b.vn/"),
            FailureKind::RedirectOutOfScope
        );
        assert_eq!(
            kind(&permit, "http://a.vn/admin/"),
            FailureKind::RobotsDisallowed
        );
        let fetched: Fetched = Arc::default();
        fetched
            .lock()
            .unwrap()
            .insert(url_key(&Url::parse("http://a.vn/done").unwrap()));
        let page = permit.page(Url::parse("http://a.vn/new").unwrap(), fetched);
        assert!(page.check(&Url::parse("http://a.vn/new").unwrap()).is_ok());
        assert_eq!(kind(&page, "http://a.vn/done"), FailureKind::AlreadyFetched);
    }

    #[test]
    fn pace_spaces_requests_and_only_slows_down() {
        let mut pace = Pace::new(2, Duration::from_millis(100), None);
        let now = Instant::now();
        assert!(pace.has_room(1) && !pace.has_room(2));
        let first = pace.book(now);
        assert_eq!(pace.book(now) - first, Duration::from_millis(100));
        pace.slow_down(&FetchFailure::new(FailureKind::Http5xx, "busy"));
        assert_eq!(pace.interval, Duration::from_millis(500));
        pace.slow_down(&FetchFailure::new(FailureKind::Http4xx, "gone"));
        assert_eq!(pace.interval, Duration::from_millis(500));
        let slow = Pace::new(1, Duration::ZERO, Some(Duration::from_secs(99)));
        assert_eq!(slow.interval, MAX_CRAWL_DELAY);
    }
}
