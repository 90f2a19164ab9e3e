//! Judges pages against a checklist. [`observe_page`] is pure: one page's facts
//! in, the evidence it holds out. [`SiteAudit`] keeps only the best evidence
//! per item as pages stream past, then [`SiteAudit::finish`] turns it into one
//! finding per item. Links are verified: a menu entry whose page is empty,
//! broken or only the site's chrome makes the item a placeholder, not present.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use url::Url;

use crate::checklist::{Applicability, Checklist, ItemIndex, SiteCheck};
use crate::crawl::{Scope, SiteFacts, normalize};
use crate::extract::PageFacts;
use crate::finding::{Finding, Status};
use crate::fold::{clip, fold};
use crate::page::{Page, PageOutcome};
use crate::target::SiteKind;

/// Link labels longer than this many words are article titles, not menu
/// entries: their text is not matched (their URL still is).
pub const MAX_LABEL_WORDS: usize = 8;
/// A page whose own content (beyond the chrome it shares with the home page)
/// holds a placeholder phrase and is shorter than this is a placeholder.
const PLACEHOLDER_MAX_CHARS: usize = 600;
/// A page with less own content than this and no images or tables is empty.
const EMPTY_MAX_CHARS: usize = 20;
/// Candidate links remembered per item.
const MAX_CANDIDATES_PER_ITEM: usize = 32;
/// Characters of matched text kept as evidence.
const EVIDENCE_CHARS: usize = 160;

/// Text runs of the home page; other pages' runs found here are chrome.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    runs: HashSet<u64>,
}

/// Whether a fetched page has real content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageVerdict {
    /// Real content (or a document such as a PDF).
    Content,
    /// Reachable but empty: says "đang cập nhật", or only chrome.
    Placeholder(String),
    /// Could not be had (4xx, 5xx, timeout, …).
    Broken(String),
    /// Redirects to another page already judged.
    SameAs(Url),
}

/// Evidence that sits on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectHit {
    /// The item.
    pub item: ItemIndex,
    /// What matched, for people.
    pub evidence: String,
}

/// A link whose label or address points to an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkHit {
    /// The item.
    pub item: ItemIndex,
    /// Where the link goes.
    pub target: Url,
    /// The link's label.
    pub label: String,
    /// The target is outside the site (never fetched).
    pub off_site: bool,
}

/// Everything one page tells us.
#[derive(Debug, Clone)]
pub struct PageObservation {
    /// URL as queued.
    pub requested: Url,
    /// URL after redirects.
    pub url: Url,
    /// Depth from the start page.
    pub depth: u32,
    /// Whether it has content.
    pub verdict: PageVerdict,
    /// Items shown on the page itself.
    pub direct: Vec<DirectHit>,
    /// Links to items.
    pub links: Vec<LinkHit>,
    /// The page's runs, when it is the home page (first observed).
    pub chrome: Option<Chrome>,
}

/// Observes one page. `facts` is `Some` for HTML pages; `chrome` is `None` for
/// the first page of a site, which then defines the chrome.
#[must_use]
pub fn observe_page(
    checklist: &Checklist,
    page: &Page,
    facts: Option<&PageFacts>,
    chrome: Option<&Chrome>,
    scope: &Scope,
) -> PageObservation {
    let mut observation = PageObservation {
        requested: page.requested.clone(),
        url: page.url.clone(),
        depth: page.depth,
        verdict: PageVerdict::Content,
        direct: Vec::new(),
        links: Vec::new(),
        chrome: None,
    };
    match &page.outcome {
        PageOutcome::Failed(failure) => {
            observation.verdict = PageVerdict::Broken(match failure.status {
                Some(status) => format!("HTTP {status}"),
                None => failure.kind.code().to_owned(),
            });
            return observation;
        }
        PageOutcome::Document { .. } => return observation,
        PageOutcome::SameAs(other) => {
            observation.verdict = PageVerdict::SameAs(other.clone());
            return observation;
        }
        PageOutcome::Html { .. } => {}
    }
    let Some(facts) = facts else {
        return observation;
    };
    match chrome {
        Some(chrome) => observation.verdict = judge_content(checklist, facts, chrome),
        None => {
            observation.chrome = Some(Chrome {
                runs: facts.content_runs.iter().map(|r| r.hash).collect(),
            });
        }
    }
    observation.direct = direct_hits(checklist, page, facts);
    observation.links = link_hits(checklist, facts, scope);
    observation
}

fn judge_content(checklist: &Checklist, facts: &PageFacts, chrome: &Chrome) -> PageVerdict {
    let own: Vec<&crate::extract::TextRun> = facts
        .content_runs
        .iter()
        .filter(|r| !chrome.runs.contains(&r.hash))
        .collect();
    let own_chars: usize = own.iter().map(|r| r.folded.trim().chars().count()).sum();
    if own_chars < PLACEHOLDER_MAX_CHARS {
        for run in &own {
            if !checklist.signals.placeholder.find(&run.folded).is_empty() {
                return PageVerdict::Placeholder(format!(
                    "the page only says “{}”",
                    clip(&run.text, EVIDENCE_CHARS)
                ));
            }
        }
    }
    if own_chars < EMPTY_MAX_CHARS && facts.content_media == 0 {
        return PageVerdict::Placeholder("the page has no content beyond the site's menus".into());
    }
    PageVerdict::Content
}

fn direct_hits(checklist: &Checklist, page: &Page, facts: &PageFacts) -> Vec<DirectHit> {
    let mut hits: Vec<DirectHit> = Vec::new();
    let mut add = |item: ItemIndex, evidence: String| {
        if !hits.iter().any(|h| h.item == item) {
            hits.push(DirectHit { item, evidence });
        }
    };
    let signals = &checklist.signals;
    for heading in &facts.headings {
        for hit in signals.heading.find(&fold(heading)) {
            add(
                hit.item,
                format!("heading “{}”", clip(heading, EVIDENCE_CHARS)),
            );
        }
    }
    for hit in signals.text.find(&fold(&facts.own_text)) {
        add(hit.item, format!("text “{}”", hit.written));
    }
    for (item, regex) in &checklist.patterns {
        if let Some(m) = regex.find(&facts.all_text) {
            add(
                *item,
                format!("text “{}”", clip(m.as_str(), EVIDENCE_CHARS)),
            );
        }
    }
    for &index in &facts.selector_hits {
        let signal = &checklist.selectors[index];
        add(signal.item, format!("element `{}`", signal.source));
    }
    for hit in signals.url_hits(&page.url, false) {
        add(hit.item, format!("page address matches “{}”", hit.written));
    }
    hits
}

fn link_hits(checklist: &Checklist, facts: &PageFacts, scope: &Scope) -> Vec<LinkHit> {
    let signals = &checklist.signals;
    let mut hits: Vec<LinkHit> = Vec::new();
    for link in &facts.links {
        let Some(target) = link.url.as_ref().and_then(normalize) else {
            continue;
        };
        let off_site = !scope.contains(&target);
        let folded = fold(&link.label);
        let mut items: Vec<ItemIndex> = Vec::new();
        if folded.split_whitespace().count() <= MAX_LABEL_WORDS {
            items.extend(signals.link_text.find(&folded).iter().map(|h| h.item));
        }
        items.extend(signals.url_hits(&target, off_site).iter().map(|h| h.item));
        for item in items {
            if !hits.iter().any(|h| h.item == item && h.target == target) {
                hits.push(LinkHit {
                    item,
                    target: target.clone(),
                    label: link.label.clone(),
                    off_site,
                });
            }
        }
    }
    hits
}

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

/// Accumulates a site's evidence, page by page, keeping only what is needed
/// to decide each item.
#[derive(Debug)]
pub struct SiteAudit {
    verdicts: HashMap<Url, PageVerdict>,
    home: Vec<Url>,
    content: Vec<Option<Ranked>>,
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
            home: Vec::new(),
            content: vec![None; n],
            on_placeholder: vec![None; n],
            candidates: vec![Vec::new(); n],
            pages_searched: 0,
        }
    }

    /// Pages observed so far.
    #[must_use]
    pub fn pages_searched(&self) -> usize {
        self.pages_searched
    }

    /// Takes in one page's observation.
    pub fn record(&mut self, observation: PageObservation) {
        self.pages_searched += 1;
        if self.home.is_empty() {
            self.home = vec![observation.requested.clone(), observation.url.clone()];
        }
        let on_content = observation.verdict == PageVerdict::Content;
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
            .insert(observation.url.clone(), observation.verdict.clone());
        self.verdicts
            .insert(observation.requested, observation.verdict);
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
                let mut finding = Finding {
                    item_id: item.id.clone(),
                    item_title: item.title.clone(),
                    status: Status::Missing,
                    evidence_url: None,
                    evidence: String::new(),
                    pages_searched: None,
                    basis: item.basis_on(as_of),
                    weight: if item.report_only { 0.0 } else { item.weight },
                    report_only: item.report_only,
                };
                match item.applicability(kind, as_of) {
                    Applicability::Applies => {}
                    Applicability::OtherKind => {
                        finding.status = Status::NotApplicable;
                        finding.evidence = format!("not required of {kind} sites");
                        return finding;
                    }
                    Applicability::NotInForce => {
                        finding.status = Status::NotApplicable;
                        finding.evidence = format!("no legal basis in force on {as_of}");
                        finding.basis = item
                            .basis
                            .iter()
                            .map(|b| b.reference.as_str())
                            .collect::<Vec<_>>()
                            .join("; ");
                        return finding;
                    }
                }
                self.decide(index, item.site_checks.as_slice(), site, &mut finding);
                if finding.status == Status::Missing {
                    finding.pages_searched = Some(self.pages_searched);
                    finding.evidence = format!(
                        "not found in {} pages; looked for {}",
                        self.pages_searched,
                        item.signals_written.summary()
                    );
                }
                finding
            })
            .collect()
    }

    fn decide(
        &self,
        index: ItemIndex,
        site_checks: &[SiteCheck],
        site: &SiteFacts,
        finding: &mut Finding,
    ) {
        for check in site_checks {
            let found = match check {
                SiteCheck::Https => site
                    .https
                    .then(|| (site.final_url.clone(), "served over HTTPS".to_owned())),
                SiteCheck::SitemapXml => site
                    .sitemap_xml
                    .clone()
                    .map(|u| (u, "sitemap.xml answers with a sitemap".into())),
                SiteCheck::RobotsTxt => site.robots_txt.then(|| {
                    (
                        site.final_url
                            .join("/robots.txt")
                            .unwrap_or_else(|_| site.final_url.clone()),
                        "robots.txt answers".into(),
                    )
                }),
            };
            if let Some((url, evidence)) = found {
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
        let mut best: Option<(u8, u32, String, String, String)> = None;
        for c in &self.candidates[index] {
            let target = &c.hit.target;
            let (target, verdict) = self.verdict_of(target);
            let (strength, status_note) = match verdict {
                Some(PageVerdict::Content) if self.home.contains(target) => {
                    (2, "leads back to the home page".to_owned())
                }
                Some(PageVerdict::Content) => (0, String::new()),
                Some(PageVerdict::Placeholder(why)) => (2, why.clone()),
                Some(PageVerdict::Broken(why)) => (2, format!("the page answers {why}")),
                None | Some(PageVerdict::SameAs(_)) if c.hit.off_site => {
                    (1, "off-site, not fetched".to_owned())
                }
                None | Some(PageVerdict::SameAs(_)) => {
                    (1, "not fetched: page cap reached".to_owned())
                }
            };
            let evidence = if status_note.is_empty() {
                format!(
                    "link “{}” on {}",
                    clip(&c.hit.label, EVIDENCE_CHARS),
                    c.source
                )
            } else {
                format!(
                    "link “{}” on {} ({status_note})",
                    clip(&c.hit.label, EVIDENCE_CHARS),
                    c.source
                )
            };
            let key = (
                strength,
                c.depth,
                c.hit.target.to_string(),
                evidence,
                status_note,
            );
            if best
                .as_ref()
                .is_none_or(|b| (key.0, key.1, &key.2) < (b.0, b.1, &b.2))
            {
                best = Some(key);
            }
        }
        match best {
            Some((0 | 1, _, url, evidence, _)) => set(finding, Status::Present, &url, evidence),
            Some((_, _, url, evidence, _)) => set(finding, Status::Placeholder, &url, evidence),
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
}

impl SiteAudit {
    /// The verdict on `url`, following redirects to pages already judged.
    fn verdict_of<'a>(&'a self, url: &'a Url) -> (&'a Url, Option<&'a PageVerdict>) {
        let mut url = url;
        for _ in 0..4 {
            match self.verdicts.get(url) {
                Some(PageVerdict::SameAs(next)) => url = next,
                other => return (url, other),
            }
        }
        (url, None)
    }
}

fn set(finding: &mut Finding, status: Status, url: &str, evidence: String) {
    finding.status = status;
    finding.evidence_url = Some(url.to_owned());
    finding.evidence = evidence;
}

/// Findings for a site that could not be audited: every applicable item
/// unknown, the rest not applicable.
#[must_use]
pub fn unknown_findings(
    checklist: &Checklist,
    kind: SiteKind,
    as_of: Date,
    reason: &str,
) -> Vec<Finding> {
    checklist
        .items
        .iter()
        .map(|item| {
            let applies = item.applicability(kind, as_of) == Applicability::Applies;
            Finding {
                item_id: item.id.clone(),
                item_title: item.title.clone(),
                status: if applies {
                    Status::Unknown
                } else {
                    Status::NotApplicable
                },
                evidence_url: None,
                evidence: if applies {
                    format!("site not audited: {reason}")
                } else {
                    String::new()
                },
                pages_searched: None,
                basis: item.basis_on(as_of),
                weight: if item.report_only { 0.0 } else { item.weight },
                report_only: item.report_only,
            }
        })
        .collect()
}
