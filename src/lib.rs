//! portal-audit tells a government IT department, site by site, which required
//! information its agencies' websites are missing.
//!
//! Data flows one way:
//!
//! - [`target`]: the sites to audit, from a targets CSV;
//! - [`crawl`]: the only network I/O; fetches pages politely within limits;
//! - [`page`]: what a fetch produced, or the named reason it failed;
//! - [`extract`]: one HTML page into owned facts (links, headings, text);
//! - [`checklist`]: required items loaded from TOML and compiled once;
//! - [`evaluate`]: facts judged against the checklist into [`finding`]s;
//! - [`score`]: findings into a weighted 0–100 score;
//! - [`report`]: CSV scorecards, matrix, `run.json` and `report.html`,
//!   written atomically;
//! - [`history`]: every run recorded in SQLite; changes since the last run;
//! - [`audit`]: the orchestrator that wires the stages for many sites,
//!   parsing on a [`parse_pool`] of one thread per core;
//! - [`app`] and [`cli`]: the command line.
//!
//! Helpers: [`fixture_server`] serves the bundled fixture sites on 127.0.0.1
//! for `portal-audit demo` and the tests; [`fold`] is the accent-insensitive
//! text folding every matcher uses; [`dates`] reads dates as portals write
//! them; [`error`] is the input error that names file and line; [`progress`]
//! draws the bars.

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
pub mod history;
pub mod page;
pub mod parse_pool;
pub mod progress;
pub mod report;
pub mod run;
pub mod score;
pub mod site;
pub mod target;
