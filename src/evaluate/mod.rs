//! Judges pages against a checklist. [`observe_page`] is pure: one page's facts
//! in, the evidence it holds out. [`SiteAudit`] keeps only the best evidence
//! per item as pages stream past, then [`SiteAudit::finish`] turns it into one
//! finding per item. Links are verified: a menu entry whose page is empty,
//! broken, only the site's chrome, or the site's generic "not found" page makes
//! the item a placeholder, not present. Items with a freshness limit are stale
//! when the newest date their pages show is too old.

mod observe;

use std::collections::HashMap;

use jiff::civil::Date;
use url::Url;

pub use observe::{
    DirectHit, LinkHit, MAX_LABEL_WORDS, PageContext, PageObservation, PageVerdict, observe_page,
};

use crate::checklist::{Applicability, Checklist, Item, ItemIndex, SiteCheck};
use crate::finding::{Finding, Status};
use crate::fold::clip;
use crate::page::{FailureKind, FetchFailure};
use crate::site::{SiteFacts, url_key};
use crate::target::SiteKind;
use observe::EVIDENCE_CHARS;

/// Candidate links remembered per item.
const MAX_CANDIDATES_PER_ITEM: usize = 32;
/// Pages remembered per item where it showed directly (for freshness).
const MAX_PAGES_PER_ITEM: usize = 32;

/// Evidence ranked so that the shallowest, then alphabetically first, wins:
/// findings come out the same whatever order pages arrived in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Ranked {
    depth: u32,
    url: String,
    evidence: String,
}

#[derive(Debug, Clone)]
struct Candidate {
    depth: u32,
    source: Url,
    hit: LinkHit,
}

/// How strongly a link candidate shows its item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    /// The target was fetched and has content.
    Verified,
    /// Not fetched (off-site or over the page cap).
    Unverified,
    /// The target is empty or broken.
    Empty,
}

/// Accumulates a site's evidence, page by page, keeping only what is needed
/// to decide each item.
#[derive(Debug)]
pub struct SiteAudit {
    /// Keyed by [`url_key`]: a verdict per page seen, as requested and as redirected.
    verdicts: HashMap<u64, PageVerdict>,
    dates: HashMap<u64, Date>,
    /// Sitemap `<lastmod>` dates not after the audit date, by URL key.
    lastmod: HashMap<u64, Date>,
    newest: Option<(Date, Url)>,
    home: Vec<u64>,
    content: Vec<Option<Ranked>>,
    content_pages: Vec<Vec<Url>>,
    on_placeholder: Vec<Option<Ranked>>,
    candidates: Vec<Vec<Candidate>>,
    pages_searched: usize,
}

impl SiteAudit {
    /// An empty audit for `checklist`.
    #[must_use]
    pub fn new(checklist: &Checklist) -> Self {
        let n = checklist.items.len();
        Self {
            verdicts: HashMap::new(),
            dates: HashMap::new(),
            lastmod: HashMap::new(),
            newest: None,
            home: Vec::new(),
            content: vec![None; n],
            content_pages: vec![Vec::new(); n],
            on_placeholder: vec![None; n],
            candidates: vec![Vec::new(); n],
            pages_searched: 0,
        }
    }

    /// Takes the sitemap's `<lastmod>` dates (those after `as_of` are
    /// ignored): a page that shows no date of its own is dated by them.
    pub fn use_sitemap_dates(&mut self, lastmod: &HashMap<u64, Date>, as_of: Date) {
        self.lastmod = lastmod
            .iter()
            .filter(|(_, d)| **d <= as_of)
            .map(|(k, d)| (*k, *d))
            .collect();
    }

    /// Pages observed so far.
    #[must_use]
    pub fn pages_searched(&self) -> usize {
        self.pages_searched
    }

    /// For a page at `depth`, which items it cannot improve: found on a
    /// shallower page (evidence ranks shallowest first) and without a
    /// freshness limit (which would want every page's dates).
    #[must_use]
    pub fn settled(&self, checklist: &Checklist, depth: u32) -> Vec<bool> {
        checklist
            .items
            .iter()
            .zip(&self.content)
            .map(|(item, found)| {
                item.fresh_within_days.is_none() && found.as_ref().is_some_and(|r| r.depth < depth)
            })
            .collect()
    }

    /// Takes in one page's observation.
    pub fn record(&mut self, observation: PageObservation) {
        self.pages_searched += 1;
        if self.home.is_empty() {
            self.home = vec![url_key(&observation.requested), url_key(&observation.url)];
        }
        let on_content = observation.verdict == PageVerdict::Content;
        let from_sitemap = self
            .lastmod
            .get(&url_key(&observation.url))
            .or_else(|| self.lastmod.get(&url_key(&observation.requested)))
            .copied();
        if let (true, Some(date)) = (on_content, observation.newest_date.max(from_sitemap)) {
            self.dates.insert(url_key(&observation.url), date);
            let newer = self
                .newest
                .as_ref()
                .is_none_or(|(d, u)| (date, u.as_str()) > (*d, observation.url.as_str()));
            if newer {
                self.newest = Some((date, observation.url.clone()));
            }
        }
        for hit in observation.direct {
            let ranked = Ranked {
                depth: observation.depth,
                url: observation.url.to_string(),
                evidence: hit.evidence,
            };
            let slot = if on_content {
                &mut self.content[hit.item]
            } else {
                &mut self.on_placeholder[hit.item]
            };
            if slot.as_ref().is_none_or(|old| ranked < *old) {
                *slot = Some(ranked);
            }
            let pages = &mut self.content_pages[hit.item];
            if on_content && pages.len() < MAX_PAGES_PER_ITEM && !pages.contains(&observation.url) {
                pages.push(observation.url.clone());
            }
        }
        for hit in observation.links {
            let list = &mut self.candidates[hit.item];
            if list.len() < MAX_CANDIDATES_PER_ITEM
                && !list.iter().any(|c| c.hit.target == hit.target)
            {
                list.push(Candidate {
                    depth: observation.depth,
                    source: observation.url.clone(),
                    hit,
                });
            }
        }
        self.verdicts
            .insert(url_key(&observation.url), observation.verdict.clone());
        self.verdicts
            .insert(url_key(&observation.requested), observation.verdict);
    }

    /// One finding per checklist item, in checklist order.
    #[must_use]
    pub fn finish(
        &self,
        checklist: &Checklist,
        site: &SiteFacts,
        kind: SiteKind,
        as_of: Date,
    ) -> Vec<Finding> {
        checklist
            .items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let mut finding = blank_finding(item, as_of);
                if let Some(reason) = not_applicable(item, kind, as_of) {
                    finding.status = Status::NotApplicable;
                    finding.evidence = reason;
                    return finding;
                }
                self.decide(index, item, site, &mut finding);
                if finding.status == Status::Present
                    && let Some(days) = item.fresh_within_days
                {
                    self.judge_freshness(index, item, days, as_of, &mut finding);
                }
                if finding.status == Status::Missing {
                    finding.pages_searched = Some(self.pages_searched);
                    finding.evidence = match site_check_shortfall(item, site) {
                        Some(why) => why,
                        None => format!(
                            "not found in {} pages; looked for {}",
                            self.pages_searched,
                            item.signals_written.summary()
                        ),
                    };
                }
                finding
            })
            .collect()
    }

    fn decide(&self, index: ItemIndex, item: &Item, site: &SiteFacts, finding: &mut Finding) {
        for check in &item.site_checks {
            if let Some((url, evidence)) = self.site_check(*check, site) {
                set(finding, Status::Present, url.as_str(), evidence);
                return;
            }
        }
        if let Some(ranked) = &self.content[index] {
            set(
                finding,
                Status::Present,
                &ranked.url,
                ranked.evidence.clone(),
            );
            return;
        }
        let best = self.candidates[index]
            .iter()
            .map(|c| self.weigh(c))
            .min_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        match best {
            Some((Strength::Verified | Strength::Unverified, _, url, evidence)) => {
                set(finding, Status::Present, &url, evidence)
            }
            Some((Strength::Empty, _, url, evidence)) => {
                set(finding, Status::Placeholder, &url, evidence)
            }
            None => {
                if let Some(ranked) = &self.on_placeholder[index] {
                    set(
                        finding,
                        Status::Placeholder,
                        &ranked.url,
                        format!("{} on an empty page", ranked.evidence),
                    );
                }
            }
        }
    }

    fn site_check(&self, check: SiteCheck, site: &SiteFacts) -> Option<(Url, String)> {
        match check {
            SiteCheck::Https => (site.https && site.tls_problem.is_none()).then(|| {
                (
                    site.final_url.clone(),
                    "served over HTTPS with a valid certificate".to_owned(),
                )
            }),
            SiteCheck::SitemapXml => site
                .sitemap_xml
                .clone()
                .map(|u| (u, "sitemap.xml answers with a sitemap".into())),
            SiteCheck::RobotsTxt => site.robots_txt.then(|| {
                let url = site
                    .final_url
                    .join("/robots.txt")
                    .unwrap_or_else(|_| site.final_url.clone());
                (url, "robots.txt answers".into())
            }),
            SiteCheck::GovDomain => {
                let host = site
                    .final_url
                    .host_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                host.ends_with(".gov.vn")
                    .then(|| (site.final_url.clone(), format!("host {host}")))
            }
            SiteCheck::Ipv6 => site.ipv6.then(|| {
                (
                    site.final_url.clone(),
                    "the host has an IPv6 address".into(),
                )
            }),
            SiteCheck::DatedContent => self
                .newest
                .as_ref()
                .map(|(date, url)| (url.clone(), format!("newest date on the site: {date}"))),
        }
    }

    /// Ranks a link candidate: its strength, depth, target, and the evidence line.
    fn weigh(&self, c: &Candidate) -> (Strength, u32, String, String) {
        let (target, verdict) = self.verdict_of(&c.hit.target);
        let (strength, note) = match verdict {
            Some(PageVerdict::Content) if self.home.contains(&url_key(target)) => {
                (Strength::Empty, "leads back to the home page".to_owned())
            }
            Some(PageVerdict::Content) => (Strength::Verified, String::new()),
            Some(PageVerdict::Placeholder(why)) => (Strength::Empty, why.clone()),
            Some(PageVerdict::Broken(why)) => (Strength::Empty, format!("the page answers {why}")),
            None | Some(PageVerdict::SameAs(_)) if c.hit.off_site => {
                (Strength::Unverified, "off-site, not fetched".to_owned())
            }
            None | Some(PageVerdict::SameAs(_)) => (
                Strength::Unverified,
                "not fetched: beyond the crawl's page, depth or time limits".to_owned(),
            ),
        };
        let label = clip(&c.hit.label, EVIDENCE_CHARS);
        let evidence = if note.is_empty() {
            format!("link “{label}” on {}", c.source)
        } else {
            format!("link “{label}” on {} ({note})", c.source)
        };
        (strength, c.depth, c.hit.target.to_string(), evidence)
    }

    /// Marks a present item stale when the newest date its pages show is
    /// older than `days` before `as_of`; notes the date either way.
    fn judge_freshness(
        &self,
        index: ItemIndex,
        item: &Item,
        days: u32,
        as_of: Date,
        finding: &mut Finding,
    ) {
        let newest = if item.site_checks.contains(&SiteCheck::DatedContent) {
            self.newest.clone()
        } else {
            let verified = self.candidates[index]
                .iter()
                .filter(|c| self.weigh(c).0 == Strength::Verified)
                .map(|c| self.verdict_of(&c.hit.target).0);
            self.content_pages[index]
                .iter()
                .chain(verified)
                .filter_map(|u| self.dates.get(&url_key(u)).map(|d| (*d, u.clone())))
                .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.as_str().cmp(a.1.as_str())))
        };
        let Some((date, url)) = newest else {
            finding
                .evidence
                .push_str("; no date found to judge freshness");
            return;
        };
        let age = (as_of - date).get_days();
        if age > i32::try_from(days).unwrap_or(i32::MAX) {
            finding.status = Status::Stale;
            finding.evidence_url = Some(url.to_string());
            finding.evidence = format!(
                "newest date {date} is {age} days before {as_of} (limit {days} days), on {url}"
            );
        } else {
            finding.evidence.push_str(&format!("; newest date {date}"));
        }
    }

    /// The verdict on `url`, following redirects to pages already judged.
    fn verdict_of<'a>(&'a self, url: &'a Url) -> (&'a Url, Option<&'a PageVerdict>) {
        let mut url = url;
        for _ in 0..4 {
            match self.verdicts.get(&url_key(url)) {
                Some(PageVerdict::SameAs(next)) => url = next,
                other => return (url, other),
            }
        }
        (url, None)
    }
}

/// For an item that rests on site facts alone, what the site lacks.
fn site_check_shortfall(item: &Item, site: &SiteFacts) -> Option<String> {
    let only_site = item
        .signals_written
        .summary()
        .split(' ')
        .all(|s| s.starts_with("site("));
    if !only_site {
        return None;
    }
    let reasons: Vec<String> = item
        .site_checks
        .iter()
        .map(|check| match check {
            SiteCheck::Https => match &site.tls_problem {
                Some(problem) => format!("the certificate is not valid ({problem})"),
                None => format!(
                    "served over {} ({})",
                    site.final_url.scheme(),
                    site.final_url
                ),
            },
            SiteCheck::SitemapXml => "no sitemap.xml answers with a sitemap".to_owned(),
            SiteCheck::RobotsTxt => "no robots.txt".to_owned(),
            SiteCheck::GovDomain => format!(
                "host {} is not under .gov.vn",
                site.final_url.host_str().unwrap_or_default()
            ),
            SiteCheck::Ipv6 => "the host has no IPv6 address".to_owned(),
            SiteCheck::DatedContent => "no page shows a date".to_owned(),
        })
        .collect();
    Some(reasons.join("; "))
}

fn blank_finding(item: &Item, as_of: Date) -> Finding {
    Finding {
        item_id: item.id.clone(),
        item_title: item.title.clone(),
        item_title_en: item.title_en.clone(),
        status: Status::Missing,
        evidence_url: None,
        evidence: String::new(),
        pages_searched: None,
        basis: item.basis_on(as_of),
        weight: if item.report_only { 0.0 } else { item.weight },
        report_only: item.report_only,
    }
}

/// Why an item does not apply, or `None` when it does.
fn not_applicable(item: &Item, kind: SiteKind, as_of: Date) -> Option<String> {
    match item.applicability(kind, as_of) {
        Applicability::Applies => None,
        Applicability::OtherKind => Some(format!("not required of {kind} sites")),
        Applicability::NotInForce => Some(format!("no legal basis in force on {as_of}")),
    }
}

fn set(finding: &mut Finding, status: Status, url: &str, evidence: String) {
    finding.status = status;
    finding.evidence_url = Some(url.to_owned());
    finding.evidence = evidence;
}

/// Findings for a site that could not be audited: every applicable item
/// unknown, the rest not applicable; except that a TLS failure is itself
/// the finding for items that rest on HTTPS.
#[must_use]
pub fn unknown_findings(
    checklist: &Checklist,
    kind: SiteKind,
    as_of: Date,
    failure: &FetchFailure,
) -> Vec<Finding> {
    let tls_failure = matches!(
        failure.kind,
        FailureKind::TlsInvalidCert | FailureKind::TlsHandshake
    );
    checklist
        .items
        .iter()
        .map(|item| {
            let mut finding = blank_finding(item, as_of);
            match not_applicable(item, kind, as_of) {
                Some(why) => {
                    finding.status = Status::NotApplicable;
                    finding.evidence = why;
                }
                None if tls_failure && item.site_checks.contains(&SiteCheck::Https) => {
                    finding.status = Status::Missing;
                    finding.evidence = format!(
                        "{}: {}",
                        failure.kind,
                        clip(&failure.detail, EVIDENCE_CHARS)
                    );
                }
                None => {
                    finding.status = Status::Unknown;
                    finding.evidence = format!("site not audited: {}", failure.kind);
                }
            }
            finding
        })
        .collect()
}
