//! Judges pages against a checklist. [`observe_page`] is pure: one page's facts
//! in, the evidence it holds out. [`SiteAudit`] keeps only the best evidence
//! per item as pages stream past, then [`SiteAudit::finish`] turns it into one
//! finding per item.
//!
//! Evidence comes from the site's structure, as a person browsing it would
//! find it: menu, footer, sidebar and list links, image banners, content
//! blocks, and pages whose name is the section's; verified by following the
//! link. A menu entry whose page is empty, broken, only the site's chrome, or
//! the site's generic "not found" page makes the item a placeholder, not
//! present. An article's or a document's title never makes a section
//! present, and pages in another language than the site's show only the
//! items about that language. When several pieces of evidence exist, the
//! most trusted is shown ([`Source`]). Items with a freshness limit are stale
//! when the newest date their pages, or the listings that link to them,
//! show is too old.

mod freshness;
mod links;
mod observe;
mod questions;
mod role;
mod site_checks;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jiff::civil::Date;
use url::Url;

pub use observe::{
    DirectHit, LinkHit, PageContext, PageObservation, PageVerdict, Source, observe_page,
};
pub use questions::rank_links;

use crate::checklist::{Applicability, Checklist, Item, ItemIndex, SiteCheck};
use crate::extract::LabelFrom;
use crate::finding::{Finding, Status};
use crate::fold::clip;
use crate::page::{FailureKind, FetchFailure};
use crate::site::{CrawlStats, SiteFacts, url_key};
use crate::target::SiteKind;
use observe::EVIDENCE_CHARS;
use site_checks::{site_check, site_check_shortfall};

/// Candidate links remembered per item.
const MAX_CANDIDATES_PER_ITEM: usize = 32;
/// Pages remembered per item where it showed directly (for freshness).
const MAX_PAGES_PER_ITEM: usize = 32;
/// Image links with no words remembered per site, to be named by the page
/// they lead to.
const MAX_BANNERS: usize = 256;
/// Dates that listings give pages, remembered per site.
const MAX_LISTED: usize = 20_000;

/// Evidence ranked so that the most trusted source, then the shallowest
/// page, then the alphabetically first, wins: findings come out the same
/// whatever order pages arrived in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Ranked {
    source: Source,
    depth: u32,
    url: String,
    evidence: String,
}

#[derive(Debug, Clone)]
struct Candidate {
    depth: u32,
    source: Url,
    /// The source page was read from its rendered DOM.
    rendered: bool,
    hit: LinkHit,
}

/// Said after evidence that comes from a page's rendered DOM.
const RENDERED: &str = " (rendered)";

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

/// An image link with no words, waiting for the page it leads to.
#[derive(Debug, Clone)]
struct Banner {
    target: Url,
    source: Url,
    depth: u32,
}

/// Accumulates a site's evidence, page by page, keeping only what is needed
/// to decide each item.
#[derive(Debug)]
pub struct SiteAudit {
    /// Keyed by [`url_key`]: a verdict per page seen, as requested and as redirected.
    verdicts: HashMap<u64, PageVerdict>,
    /// Pages that are articles or documents, by URL key.
    articles: HashSet<u64>,
    /// Pages that name a section: its items and the name.
    named: HashMap<u64, (Vec<ItemIndex>, String)>,
    /// Image links with no words whose page has not been read yet.
    banners: Vec<Banner>,
    dates: HashMap<u64, Date>,
    /// Dates listings give the pages they list, with the listing's URL.
    listed: HashMap<u64, (Date, Url)>,
    /// Sitemap `<lastmod>` dates not after the audit date, by URL key.
    lastmod: HashMap<u64, Date>,
    /// The newest date any main-language page shows.
    newest: Option<(Date, Url)>,
    home: Vec<u64>,
    content: Vec<Option<Ranked>>,
    content_pages: Vec<Vec<Url>>,
    on_placeholder: Vec<Option<Ranked>>,
    candidates: Vec<Vec<Candidate>>,
    pages_searched: usize,
    /// Items settled for good while the crawl went on (see
    /// [`SiteAudit::open_items`]).
    closed: Vec<bool>,
    /// What the crawl fetched, and why, for the text of a missing item.
    searched: Option<CrawlStats>,
    /// Pages the sitemap lists, and per item how many of them name it.
    sitemap_pages: usize,
    sitemap_named: Vec<usize>,
}

impl SiteAudit {
    /// An empty audit for `checklist`.
    #[must_use]
    pub fn new(checklist: &Checklist) -> Self {
        let n = checklist.items.len();
        Self {
            verdicts: HashMap::new(),
            articles: HashSet::new(),
            named: HashMap::new(),
            banners: Vec::new(),
            dates: HashMap::new(),
            listed: HashMap::new(),
            lastmod: HashMap::new(),
            newest: None,
            home: Vec::new(),
            content: vec![None; n],
            content_pages: vec![Vec::new(); n],
            on_placeholder: vec![None; n],
            candidates: vec![Vec::new(); n],
            pages_searched: 0,
            closed: Vec::new(),
            searched: None,
            sitemap_pages: 0,
            sitemap_named: Vec::new(),
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

    /// Takes what the crawl fetched, and why: a missing item's finding says
    /// where it was searched for.
    pub fn use_crawl_stats(&mut self, stats: CrawlStats) {
        self.searched = Some(stats);
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
    pub fn record(&mut self, mut observation: PageObservation) {
        self.pages_searched += 1;
        let keys = [url_key(&observation.requested), url_key(&observation.url)];
        if self.home.is_empty() {
            self.home = keys.to_vec();
        }
        let on_content = observation.verdict == PageVerdict::Content;
        self.record_date(&observation, on_content);
        if observation.article {
            self.articles.extend(keys);
        }
        for (target, date) in &observation.listed {
            self.note_listed(target, *date, &observation.url);
        }
        for hit in &mut observation.direct {
            if observation.rendered {
                hit.evidence.push_str(RENDERED);
            }
        }
        for hit in &observation.direct {
            self.record_direct(hit, &observation, on_content);
        }
        for hit in std::mem::take(&mut observation.links) {
            self.push_candidate(Candidate {
                depth: observation.depth,
                source: observation.url.clone(),
                rendered: observation.rendered,
                hit,
            });
        }
        self.record_names(&observation, keys);
        for target in &observation.banners {
            self.record_banner(target, &observation);
        }
        self.verdicts.insert(keys[1], observation.verdict.clone());
        self.verdicts.insert(keys[0], observation.verdict);
    }

    /// The page's newest date (its own, else its sitemap `lastmod`), for
    /// the freshness of what it shows; main-language pages also date the
    /// site as a whole.
    fn record_date(&mut self, observation: &PageObservation, on_content: bool) {
        let from_sitemap = self
            .lastmod
            .get(&url_key(&observation.url))
            .or_else(|| self.lastmod.get(&url_key(&observation.requested)))
            .copied();
        let (true, Some(date)) = (on_content, observation.newest_date.max(from_sitemap)) else {
            return;
        };
        self.dates.insert(url_key(&observation.url), date);
        let newer = self
            .newest
            .as_ref()
            .is_none_or(|(d, u)| (date, u.as_str()) > (*d, observation.url.as_str()));
        if newer && !observation.foreign {
            self.newest = Some((date, observation.url.clone()));
        }
    }

    fn note_listed(&mut self, target: &Url, date: Date, listing: &Url) {
        use std::collections::hash_map::Entry;
        let room = self.listed.len() < MAX_LISTED;
        match self.listed.entry(url_key(target)) {
            Entry::Occupied(mut old) => {
                let (old_date, old_listing) = old.get();
                if (date, listing.as_str()) > (*old_date, old_listing.as_str()) {
                    old.insert((date, listing.clone()));
                }
            }
            Entry::Vacant(slot) if room => {
                slot.insert((date, listing.clone()));
            }
            Entry::Vacant(_) => {}
        }
    }

    fn record_direct(&mut self, hit: &DirectHit, observation: &PageObservation, on_content: bool) {
        let ranked = Ranked {
            source: hit.source,
            depth: observation.depth,
            url: observation.url.to_string(),
            evidence: hit.evidence.clone(),
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

    fn push_candidate(&mut self, candidate: Candidate) {
        let list = &mut self.candidates[candidate.hit.item];
        let known = list
            .iter()
            .any(|c| c.hit.target == candidate.hit.target && c.hit.source <= candidate.hit.source);
        if known {
            return;
        }
        list.retain(|c| c.hit.target != candidate.hit.target);
        if list.len() < MAX_CANDIDATES_PER_ITEM {
            list.push(candidate);
        }
    }

    /// Remembers the sections a page names, and names the image links that
    /// lead to it.
    fn record_names(&mut self, observation: &PageObservation, keys: [u64; 2]) {
        if observation.names.is_empty() {
            return;
        }
        let items: Vec<ItemIndex> = observation.names.iter().map(|(i, _)| *i).collect();
        let name = observation.names[0].1.clone();
        let waiting: Vec<Banner> = self
            .banners
            .iter()
            .filter(|b| keys.contains(&url_key(&b.target)))
            .cloned()
            .collect();
        self.banners.retain(|b| !keys.contains(&url_key(&b.target)));
        for banner in waiting {
            self.name_banner(&banner, &items, &name);
        }
        for key in keys {
            self.named.insert(key, (items.clone(), name.clone()));
        }
    }

    fn record_banner(&mut self, target: &Url, observation: &PageObservation) {
        let banner = Banner {
            target: target.clone(),
            source: observation.url.clone(),
            depth: observation.depth,
        };
        match self.named.get(&url_key(target)).cloned() {
            Some((items, name)) => self.name_banner(&banner, &items, &name),
            None if self.banners.len() < MAX_BANNERS => self.banners.push(banner),
            None => {}
        }
    }

    /// An image link with no words shows the sections the page it leads to
    /// names.
    fn name_banner(&mut self, banner: &Banner, items: &[ItemIndex], name: &str) {
        for &item in items {
            self.push_candidate(Candidate {
                depth: banner.depth,
                source: banner.source.clone(),
                rendered: false,
                hit: LinkHit {
                    item,
                    target: banner.target.clone(),
                    label: name.to_owned(),
                    label_from: LabelFrom::LinkedPage,
                    source: Source::Banner,
                    block: None,
                    listed: None,
                    off_site: false,
                },
            });
        }
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
                    finding.evidence = reason.into();
                    return finding;
                }
                self.decide(index, item, site, &mut finding);
                if finding.status == Status::Present
                    && let Some(days) = item.fresh_within_days
                {
                    freshness::judge(self, index, item, days, as_of, &mut finding);
                }
                if finding.status == Status::Missing {
                    finding.pages_searched = Some(self.pages_searched);
                    finding.evidence = match site_check_shortfall(item, site) {
                        Some(why) => why,
                        None => format!(
                            "not found in {} pages{}; looked for {}{}",
                            self.pages_searched,
                            self.searched(index),
                            item.signals_written.summary(),
                            self.not_rendered()
                        ),
                    }
                    .into();
                }
                finding
            })
            .collect()
    }

    /// Present when some evidence shows the item on a page with content or
    /// through a link that is verified (or could not be followed); a
    /// placeholder when all there is leads to empty or broken pages. The
    /// most trusted evidence is the one shown.
    fn decide(&self, index: ItemIndex, item: &Item, site: &SiteFacts, finding: &mut Finding) {
        for check in &item.site_checks {
            if let Some((url, evidence)) = site_check(*check, site, self.newest.as_ref()) {
                set(finding, Status::Present, url.as_str(), evidence);
                return;
            }
        }
        // (placeholder?, source, strength, depth, url, evidence): smallest wins.
        let mut options: Vec<(bool, Source, Strength, u32, String, String)> = Vec::new();
        if let Some(r) = &self.content[index] {
            let (source, depth) = (r.source, r.depth);
            options.push((
                false,
                source,
                Strength::Verified,
                depth,
                r.url.clone(),
                r.evidence.clone(),
            ));
        }
        for c in &self.candidates[index] {
            if let Some((strength, evidence)) = self.weigh(c) {
                let target = c.hit.target.to_string();
                let empty = strength == Strength::Empty;
                options.push((empty, c.hit.source, strength, c.depth, target, evidence));
            }
        }
        if let Some(r) = &self.on_placeholder[index] {
            let evidence = format!("{} on an empty page", r.evidence);
            options.push((
                true,
                r.source,
                Strength::Empty,
                r.depth,
                r.url.clone(),
                evidence,
            ));
        }
        if let Some((empty, _, _, _, url, evidence)) = options.into_iter().min() {
            let status = if empty {
                Status::Placeholder
            } else {
                Status::Present
            };
            set(finding, status, &url, evidence);
        }
    }

    /// How strongly a link candidate shows its item, with the evidence line;
    /// `None` when it shows nothing (a link in running text that leads to an
    /// article, or that was not followed).
    fn weigh(&self, c: &Candidate) -> Option<(Strength, String)> {
        let (strength, note) = self.strength(c)?;
        let what = describe_link(&c.hit, c.depth);
        let rendered = if c.rendered { RENDERED } else { "" };
        let evidence = if note.is_empty() {
            format!("{what} on {}{rendered}", c.source)
        } else {
            format!("{what} on {}{rendered} ({note})", c.source)
        };
        Some((strength, evidence))
    }

    /// [`SiteAudit::weigh`] without the evidence line: the strength, and
    /// the note on what the link leads to.
    fn strength(&self, c: &Candidate) -> Option<(Strength, String)> {
        let (target, verdict) = self.verdict_of(&c.hit.target);
        let in_text = c.hit.source == Source::Body;
        Some(match verdict {
            Some(PageVerdict::Content) if self.home.contains(&url_key(target)) => {
                (Strength::Empty, "leads back to the home page".to_owned())
            }
            // A link outside the site's navigation whose own words name the
            // item, and that leads to an article or a document, is that
            // article's title ("Hội nghị về ngân sách" in a news list), not
            // the section; a block's links show the section its heading
            // names, articles or not.
            Some(PageVerdict::Content)
                if c.hit.block.is_none()
                    && !matches!(
                        c.hit.source,
                        Source::Menu | Source::Footer | Source::Sidebar
                    )
                    && self.articles.contains(&url_key(target)) =>
            {
                return None;
            }
            Some(PageVerdict::Content) => (Strength::Verified, String::new()),
            _ if in_text => return None,
            Some(PageVerdict::Placeholder(why)) => (Strength::Empty, why.clone()),
            Some(PageVerdict::Broken(why)) => (Strength::Empty, format!("the page answers {why}")),
            None | Some(PageVerdict::SameAs(_)) if c.hit.off_site => {
                (Strength::Unverified, "off-site, not fetched".to_owned())
            }
            None | Some(PageVerdict::SameAs(_)) => (
                Strength::Unverified,
                "not fetched: beyond the crawl's page, depth or time limits".to_owned(),
            ),
        })
    }

    /// Where missing item `index` was searched for, as the crawl fetched
    /// it: " (menu, header and footer; 14 section pages; 2 listings; 3
    /// matching pages; sitemap with 230 URLs, 4 naming the item)". The
    /// report puts it in the reader's language.
    fn searched(&self, index: ItemIndex) -> String {
        let Some(stats) = &self.searched else {
            return String::new();
        };
        let mut parts = vec![
            "menu, header and footer".to_owned(),
            format!("{} section pages", stats.navigation_pages),
        ];
        for (n, what) in [
            (stats.listing_pages, "listings"),
            (stats.matching_pages, "matching pages"),
            (stats.other_pages, "other pages"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        if self.sitemap_pages > 0 {
            let named = self.sitemap_named.get(index).copied().unwrap_or(0);
            parts.push(format!(
                "sitemap with {} URLs, {named} naming the item",
                self.sitemap_pages
            ));
        }
        format!(" ({})", parts.join("; "))
    }

    /// For a missing item on a site some of whose pages needed rendering
    /// and were judged from their HTML: why, and how many.
    fn not_rendered(&self) -> String {
        match self.searched.map(|s| s.render) {
            Some(render) if render.not_rendered > 0 => format!(
                "; not rendered: {} ({} pages look built by JavaScript)",
                render.why_not.map_or("", crate::site::NotRendered::reason),
                render.not_rendered
            ),
            _ => String::new(),
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

/// A link as a person would point to it: "menu link “Công khai ngân
/// sách”", "image link (no alt text; the page it leads to is titled …)",
/// "home-page block “Tin tức”: link “…”".
fn describe_link(hit: &LinkHit, depth: u32) -> String {
    let label = clip(&hit.label, EVIDENCE_CHARS);
    match hit.source {
        Source::Menu => format!("menu link “{label}”"),
        Source::Footer => format!("footer link “{label}”"),
        Source::Sidebar => format!("sidebar link “{label}”"),
        Source::List => format!("link “{label}” in a list"),
        Source::Banner => match hit.label_from {
            LabelFrom::Address => {
                format!("image link to “{label}” (no alt text: named by its address)")
            }
            LabelFrom::LinkedPage => {
                format!("image link (no alt text; the page it leads to is titled “{label}”)")
            }
            LabelFrom::Title => format!("image link (title “{label}”)"),
            LabelFrom::Alt | LabelFrom::Text => format!("image link (alt “{label}”)"),
        },
        Source::Block => match hit.block.as_deref().map(|h| clip(h, EVIDENCE_CHARS)) {
            Some(heading) if depth == 0 => format!("home-page block “{heading}”: link “{label}”"),
            Some(heading) => format!("block “{heading}”: link “{label}”"),
            None => format!("link “{label}”"),
        },
        Source::Body => format!("link “{label}” in the text"),
        Source::Page | Source::Heading | Source::Text => format!("link “{label}”"),
    }
}

fn blank_finding(item: &Item, as_of: Date) -> Finding {
    Finding {
        item_id: item.id.clone(),
        item_title: item.title.clone(),
        item_title_en: item.title_en.clone(),
        status: Status::Missing,
        evidence_url: None,
        evidence: Arc::from(""),
        pages_searched: None,
        basis: item.basis_on(as_of),
        weight: if item.report_only { 0.0 } else { item.weight },
        report_only: item.report_only,
        placement: item.placement(),
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
    finding.evidence = evidence.into();
}

/// Findings for a site that could not be audited: every applicable item
/// unknown, the rest not applicable; except that a TLS failure is itself
/// the finding for items that rest on HTTPS. Each evidence text is made
/// once and shared by the site's findings.
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
    let not_audited: Arc<str> = format!("site not audited: {}", failure.kind).into();
    let tls_failed: Arc<str> = format!(
        "{}: {}",
        failure.kind,
        clip(&failure.detail, EVIDENCE_CHARS)
    )
    .into();
    let mut reasons: Vec<(String, Arc<str>)> = Vec::new();
    checklist
        .items
        .iter()
        .map(|item| {
            let mut finding = blank_finding(item, as_of);
            match not_applicable(item, kind, as_of) {
                Some(why) => {
                    finding.status = Status::NotApplicable;
                    finding.evidence = shared(&mut reasons, why);
                }
                None if tls_failure && item.site_checks.contains(&SiteCheck::Https) => {
                    finding.status = Status::Missing;
                    finding.evidence = Arc::clone(&tls_failed);
                }
                None => {
                    finding.status = Status::Unknown;
                    finding.evidence = Arc::clone(&not_audited);
                }
            }
            finding
        })
        .collect()
}

/// `text`, as the copy already in `made` if there is one.
fn shared(made: &mut Vec<(String, Arc<str>)>, text: String) -> Arc<str> {
    if let Some((_, copy)) = made.iter().find(|(t, _)| *t == text) {
        return Arc::clone(copy);
    }
    let copy: Arc<str> = text.as_str().into();
    made.push((text, Arc::clone(&copy)));
    copy
}
