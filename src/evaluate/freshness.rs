//! Whether what shows an item is recent enough: the newest date on the
//! item's pages, on the pages its links lead to, or, where those pages show
//! none, in the listings that link to them ("Khai mạc hội chợ …
//! (12/03/2022)" on the home page). "No date found" is left only when no
//! listing dates anything the item leads to.

use jiff::civil::Date;
use url::Url;

use super::{SiteAudit, Strength};
use crate::checklist::{Item, ItemIndex, SiteCheck};
use crate::finding::{Finding, Status};
use crate::site::url_key;

/// Where a date was read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum DatedBy {
    /// On the page itself (or its sitemap entry).
    Page(Url),
    /// In a listing row on this page, next to the link.
    Listing(Url),
}

impl DatedBy {
    fn describe(&self) -> String {
        match self {
            DatedBy::Page(url) => format!("on {url}"),
            DatedBy::Listing(url) => format!("listed on {url}"),
        }
    }

    fn url(&self) -> &Url {
        match self {
            DatedBy::Page(url) | DatedBy::Listing(url) => url,
        }
    }
}

/// Marks a present item stale when the newest date that dates it is older
/// than `days` before `as_of`; notes the date either way.
pub(super) fn judge(
    audit: &SiteAudit,
    index: ItemIndex,
    item: &Item,
    days: u32,
    as_of: Date,
    finding: &mut Finding,
) {
    let Some((date, by)) = newest(audit, index, item) else {
        finding.evidence = format!("{}; no date found to judge freshness", finding.evidence).into();
        return;
    };
    let age = (as_of - date).get_days();
    if age > i32::try_from(days).unwrap_or(i32::MAX) {
        finding.status = Status::Stale;
        finding.evidence_url = Some(by.url().to_string());
        finding.evidence = format!(
            "newest date {date} is {age} days before {as_of} (limit {days} days), {}",
            by.describe()
        )
        .into();
    } else {
        finding.evidence = format!("{}; newest date {date}", finding.evidence).into();
    }
}

/// The newest date of the item's pages, of the pages its links lead to, and
/// of the listings that link to either.
pub(super) fn newest(audit: &SiteAudit, index: ItemIndex, item: &Item) -> Option<(Date, DatedBy)> {
    if item.site_checks.contains(&SiteCheck::DatedContent) {
        return audit
            .newest
            .clone()
            .map(|(date, url)| (date, DatedBy::Page(url)));
    }
    let shown: Vec<_> = audit.candidates[index]
        .iter()
        .filter_map(|c| audit.weigh(c).map(|(strength, _)| (c, strength)))
        .filter(|(_, strength)| *strength != Strength::Empty)
        .collect();
    let verified = shown
        .iter()
        .filter(|(_, strength)| *strength == Strength::Verified)
        .map(|(c, _)| audit.verdict_of(&c.hit.target).0);
    let pages = audit.content_pages[index].iter().chain(verified);
    let page_dates = pages.filter_map(|u| {
        let key = url_key(u);
        match (audit.dates.get(&key), audit.listed.get(&key)) {
            (Some(date), _) => Some((*date, DatedBy::Page(u.clone()))),
            (None, Some((date, listing))) => Some((*date, DatedBy::Listing(listing.clone()))),
            (None, None) => None,
        }
    });
    let row_dates = shown.iter().filter_map(|(c, _)| {
        c.hit
            .listed
            .map(|date| (date, DatedBy::Listing(c.source.clone())))
    });
    page_dates
        .chain(row_dates)
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)))
}
