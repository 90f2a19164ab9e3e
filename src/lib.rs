//! portal-audit tells a government IT department, site by site, which required
//! information its agencies' websites are missing.
//!
//! Data flows one way, through layers; a module imports only from layers
//! above it in this list (tests aside):
//!
//! 1. Helpers that know nothing of audits: [`fold`] (the accent-insensitive
//!    text folding every matcher uses), [`dates`] (dates as portals write
//!    them), [`labels`] (a section's label told from a document's title, and
//!    a page's language), [`error`] (the input error that names file and
//!    line), [`limits`] (how large an input file and its values may be),
//!    [`lockfile`] (locks that die with their process), [`shard`] (a stable
//!    split of the targets).
//! 2. Values the stages pass along: [`target`] (the sites to audit, from a
//!    targets CSV), [`site`] (a site's scope, URL keys, link priority, facts
//!    and crawl counters), [`page`] (what a fetch produced, or the named
//!    reason it failed), [`finding`] (one item's verdict).
//! 3. The stages, each unaware of the others' insides:
//!    - [`crawl`]: the only network I/O; fetches pages politely within limits;
//!    - [`extract`]: one HTML page into owned facts (links, headings, text,
//!      which selectors match), knowing nothing of checklists;
//!    - [`checklist`]: required items loaded from TOML and compiled once;
//!    - [`evaluate`]: facts judged against the checklist into findings;
//!    - [`score`]: findings into a weighted 0–100 score.
//! 4. [`run`]: what a run produced (every site's result and status) and what
//!    changed since the previous run.
//! 5. The outputs, which read run values only: [`report`] (CSV scorecards,
//!    matrix, `run.json`, `report.html`, the workbook and fix lists, staged
//!    and swapped into place as one set) and [`history`] (every run recorded
//!    in SQLite, with what its outputs are made from).
//! 6. [`audit`]: the orchestrator that wires the stages for many sites,
//!    parsing on a [`parse_pool`] of one thread per core and drawing
//!    [`progress`] bars.
//! 7. The command line: [`cli`] declares it, [`app`] carries it out;
//!    [`fixture_server`] serves the bundled fixture sites on 127.0.0.1 for
//!    `portal-audit demo` and the tests.

pub mod app;
pub mod audit;
pub mod checklist;
pub mod cli;
pub mod crawl;
pub mod dates;
pub mod error;
pub mod evaluate;
pub mod extract;
pub mod finding;
pub mod fixture_server;
pub mod fold;
#[cfg(test)]
mod fuzz_support;
pub mod history;
pub mod labels;
pub mod limits;
pub mod lockfile;
pub mod page;
pub mod parse_pool;
pub mod progress;
pub mod report;
pub mod run;
pub mod score;
pub mod shard;
pub mod site;
pub mod target;
