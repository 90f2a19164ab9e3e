//! The verdict on one checklist item for one site, with its evidence. These
//! rows are the product: leaders read them, history and CI gates key on them.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// An item's outcome. Data, never an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Found, on a page that has real content.
    Present,
    /// Not found anywhere we looked.
    Missing,
    /// A section exists but is empty ("đang cập nhật"), broken (4xx/5xx) or
    /// leads nowhere useful.
    Placeholder,
    /// Found, but its newest date is older than the item allows.
    Stale,
    /// The site could not be audited.
    Unknown,
    /// The item does not apply to this kind of site on the audit date.
    NotApplicable,
}

impl Status {
    /// Every status, in report order.
    pub const ALL: [Status; 6] = [
        Status::Present,
        Status::Missing,
        Status::Placeholder,
        Status::Stale,
        Status::Unknown,
        Status::NotApplicable,
    ];

    /// The snake_case name used in files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Present => "present",
            Status::Missing => "missing",
            Status::Placeholder => "placeholder",
            Status::Stale => "stale",
            Status::Unknown => "unknown",
            Status::NotApplicable => "not_applicable",
        }
    }

    /// Whether the agency has something to fix.
    #[must_use]
    pub fn needs_action(self) -> bool {
        matches!(self, Status::Missing | Status::Placeholder | Status::Stale)
    }

    /// Share of an item's weight this status earns in the score.
    #[must_use]
    pub fn credit(self) -> Option<f64> {
        match self {
            Status::Present => Some(1.0),
            Status::Stale => Some(0.5),
            Status::Missing | Status::Placeholder => Some(0.0),
            Status::Unknown | Status::NotApplicable => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown status `{s}`"))
    }
}

/// Where an item is normally placed on a portal: where the agency should
/// add it when it is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// A section reached from the main menu.
    #[default]
    MainMenu,
    /// A line of the footer (address, phone, person responsible).
    Footer,
    /// The header (emblem and name, search box).
    Header,
    /// A function on the pages themselves (print, font size, metadata).
    OnPages,
    /// A setting of the server or domain (HTTPS, IPv6, sitemap).
    Server,
}

/// One item's verdict for one site. The item's texts are shared by every
/// site's finding for it, and a site's repeated evidence ("site not
/// audited: …") by its findings: 10,000 failed sites make 530,000 findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The checklist item.
    pub item_id: Arc<str>,
    /// Its title, in the checklist's language.
    pub item_title: Arc<str>,
    /// Its English gloss, when the checklist gives one.
    pub item_title_en: Option<Arc<str>>,
    /// The verdict.
    pub status: Status,
    /// Where the evidence is (a page, or a link target).
    pub evidence_url: Option<String>,
    /// What matched, or for a missing item where we looked.
    pub evidence: Arc<str>,
    /// Pages searched, for missing items.
    pub pages_searched: Option<usize>,
    /// Legal bases in force on the audit date.
    pub basis: Arc<str>,
    /// Weight in the score (0 for report-only items).
    pub weight: f64,
    /// Reported, never scored.
    pub report_only: bool,
    /// Where such an item is normally placed.
    pub placement: Placement,
}

impl Finding {
    /// Whether the agency must add or fix it: a scored item that is
    /// missing, a placeholder or stale (report-only items never count).
    #[must_use]
    pub fn to_fix(&self) -> bool {
        self.status.needs_action() && !self.report_only
    }
}
