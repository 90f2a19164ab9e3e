//! The checklist file format as written by people (TOML), before validation.
//! `deny_unknown_fields` everywhere: a typo in a key is an error, not a
//! silently ignored rule.

use serde::Deserialize;
use toml::Spanned;

/// A whole checklist file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistFile {
    /// Identity and composition.
    pub checklist: HeaderDef,
    /// Named legal rule sets and the dates they are in force.
    #[serde(default, rename = "ruleset")]
    pub rulesets: Vec<RulesetDef>,
    /// Changes to items inherited through `extends`.
    #[serde(default, rename = "override")]
    pub overrides: Vec<OverrideDef>,
    /// The required items.
    #[serde(default, rename = "item")]
    pub items: Vec<ItemDef>,
}

/// The `[checklist]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderDef {
    /// Stable identifier, e.g. `vn-gov-portal`.
    pub id: Spanned<String>,
    /// Version of this checklist's content, recorded with every run.
    pub version: String,
    /// Human title.
    pub title: String,
    /// English title.
    #[serde(default)]
    pub title_en: Option<String>,
    /// Language of item titles (BCP 47), e.g. `vi`.
    #[serde(default)]
    pub language: Option<String>,
    /// Free text shown by `checklist show`.
    #[serde(default)]
    pub description: Option<String>,
    /// Another checklist (built-in name or path relative to this file) whose
    /// rule sets and items this one starts from.
    #[serde(default)]
    pub extends: Option<Spanned<String>>,
    /// Inherited item ids switched off.
    #[serde(default)]
    pub disable: Vec<Spanned<String>>,
    /// Phrases that mark a page as an empty placeholder, added to the built-in
    /// list ("đang cập nhật", "under construction", …).
    #[serde(default)]
    pub placeholder_phrases: Vec<String>,
}

/// A `[[ruleset]]`: a body of rules in force for a period.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesetDef {
    /// Short id, e.g. `nd224_2026`.
    pub id: Spanned<String>,
    /// Human title.
    pub title: String,
    /// First day in force (YYYY-MM-DD).
    #[serde(default)]
    pub from: Option<Spanned<String>>,
    /// Last day in force (YYYY-MM-DD).
    #[serde(default)]
    pub until: Option<Spanned<String>>,
}

/// An `[[override]]` of an inherited item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideDef {
    /// The inherited item.
    pub id: Spanned<String>,
    /// New weight.
    #[serde(default)]
    pub weight: Option<f64>,
    /// New site kinds.
    #[serde(default)]
    pub applies_to: Option<Vec<Spanned<String>>>,
    /// Report the item but never score it.
    #[serde(default)]
    pub report_only: Option<bool>,
}

/// One legal basis of an item and when it is in force.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasisDef {
    /// The citation, e.g. "Nghị định 42/2022/NĐ-CP, Điều 4.1.e".
    #[serde(rename = "ref")]
    pub reference: String,
    /// First day in force.
    #[serde(default)]
    pub from: Option<Spanned<String>>,
    /// Last day in force.
    #[serde(default)]
    pub until: Option<Spanned<String>>,
}

/// An `[[item]]`: one piece of required information and how to find it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDef {
    /// Stable id (lower case, digits, `_`): CSV columns and history key on it.
    pub id: Spanned<String>,
    /// Title in the checklist's language.
    pub title: String,
    /// English gloss.
    #[serde(default)]
    pub title_en: Option<String>,
    /// Relative importance in the score.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Site kinds the item applies to; all when absent.
    #[serde(default)]
    pub applies_to: Option<Vec<Spanned<String>>>,
    /// Legal bases; the item applies on a date when any of them is in force.
    #[serde(default)]
    pub basis: Vec<BasisDef>,
    /// First day the item applies.
    #[serde(default)]
    pub from: Option<Spanned<String>>,
    /// Last day the item applies.
    #[serde(default)]
    pub until: Option<Spanned<String>>,
    /// Reported, never scored (for example a licence line).
    #[serde(default)]
    pub report_only: bool,
    /// Link labels (text, title, aria-label, image alt) that lead to the item.
    #[serde(default)]
    pub link_text: Vec<String>,
    /// Words in a URL's path or query (slugs) that lead to the item.
    #[serde(default)]
    pub url: Vec<String>,
    /// Headings that show the item on a page.
    #[serde(default)]
    pub heading: Vec<String>,
    /// Phrases in a page's own text (not its links) that show the item.
    #[serde(default)]
    pub text: Vec<String>,
    /// Longer phrases that contain a needle but do not mean the item
    /// ("thống kê truy cập" is a visitor counter, not statistics).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// CSS selectors whose presence shows the item.
    #[serde(default)]
    pub selector: Vec<Spanned<String>>,
    /// Regular expressions over a page's text that show the item.
    #[serde(default)]
    pub pattern: Vec<Spanned<String>>,
    /// Groups of link labels that must all appear on one page (each group
    /// lists alternatives), e.g. a minimum main menu.
    #[serde(default)]
    pub all_link_text: Vec<Vec<String>>,
    /// Site-level facts that show the item: `https`, `sitemap_xml`,
    /// `robots_txt`, `gov_domain`, `ipv6`, `dated_content`.
    #[serde(default)]
    pub site: Vec<Spanned<String>>,
    /// Newest date found must be at most this many days before the audit date.
    #[serde(default)]
    pub fresh_within_days: Option<u32>,
    /// The item is about a version of the site in another language (`en`):
    /// pages in that language may show it. Other items are judged from the
    /// site's main language only.
    #[serde(default)]
    pub language: Option<Spanned<String>>,
}

fn default_weight() -> f64 {
    1.0
}
