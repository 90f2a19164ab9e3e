//! `run.json`: everything about a run in one machine-readable file, for
//! scripts and dashboards: tool and checklist versions, rule sets, the audit
//! date, timings, every site and every finding. It holds all a run's outputs
//! are made from, so `portal-audit merge` rebuilds a whole run from its
//! shards' `run.json` files.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::crawl::RenderSummary;
use crate::finding::Finding;
use crate::page::FetchFailure;
use crate::run::{AuditRun, Change, Note, ShardOfRun, SiteResult, SiteStatus};
use crate::site::{CrawlStats, RenderStats};
use crate::target::{SiteKind, Target};

#[derive(Serialize)]
struct RunJson<'a> {
    tool: &'static str,
    tool_version: &'static str,
    run_id: Option<i64>,
    started_at: &'a str,
    as_of: String,
    duration_seconds: f64,
    interrupted: bool,
    shard: Option<&'a ShardOfRun>,
    render: RenderJson<'a>,
    sites: SitesJson<'a>,
    changes: &'a [Change],
}

/// How pages built by JavaScript were rendered, with the run's totals.
#[derive(Serialize)]
struct RenderJson<'a> {
    #[serde(flatten)]
    summary: &'a RenderSummary,
    /// Pages that showed the signs of being built by JavaScript (every HTML
    /// page with `--render always`).
    pages_needing_render: usize,
    pages_rendered: usize,
    /// Of those needing it, pages judged from their HTML (see each site's
    /// notes for why).
    pages_not_rendered: usize,
    render_seconds: f64,
    /// Requests rendered pages made that the crawler fetched for them.
    requests_fetched: usize,
    /// Requests rendered pages made that were refused.
    requests_blocked: usize,
}

impl<'a> RenderJson<'a> {
    fn of(summary: &'a RenderSummary, totals: RenderStats) -> Self {
        Self {
            summary,
            pages_needing_render: totals.wanted,
            pages_rendered: totals.rendered,
            pages_not_rendered: totals.not_rendered,
            #[allow(clippy::cast_precision_loss)]
            render_seconds: totals.millis as f64 / 1000.0,
            requests_fetched: totals.requests_fetched,
            requests_blocked: totals.requests_blocked,
        }
    }
}

/// The sites, each read back and serialised in turn.
struct SitesJson<'a>(&'a crate::run::Sites);

impl Serialize for SitesJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq as _};
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for site in self.0.iter() {
            let site = site.map_err(S::Error::custom)?;
            seq.serialize_element(&SiteJson::of(&site))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct SiteJson<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'static str,
    url: &'a str,
    final_url: Option<&'a str>,
    status: &'static str,
    error: Option<String>,
    checklist: &'a str,
    ruleset: &'a str,
    pages_crawled: usize,
    duration_seconds: f64,
    score: Option<f64>,
    notes: Vec<String>,
    findings: &'a [Finding],
    /// The targets file's extra columns, in file order.
    extra: &'a [(String, String)],
    /// The targets file's `checklist` column.
    checklist_column: Option<&'a str>,
    crawl: &'a CrawlStats,
    /// `error` as data.
    failure: Option<&'a FetchFailure>,
    /// `notes` as data.
    note_data: &'a [Note],
}

impl<'a> SiteJson<'a> {
    fn of(s: &'a SiteResult) -> Self {
        SiteJson {
            id: &s.target.id,
            name: &s.target.name,
            kind: s.target.kind.as_str(),
            url: s.target.url.as_str(),
            final_url: s.final_url.as_ref().map(url::Url::as_str),
            status: s.status.code(),
            error: match &s.status {
                SiteStatus::Ok => None,
                SiteStatus::Failed(f) => Some(f.to_string()),
            },
            checklist: &s.checklist,
            ruleset: &s.ruleset,
            pages_crawled: s.pages_crawled,
            duration_seconds: s.duration.as_secs_f64(),
            score: s.score.score,
            notes: s
                .notes
                .iter()
                .map(|n| super::words::note_text(n, super::Lang::En))
                .collect(),
            findings: &s.findings,
            extra: &s.target.extra,
            checklist_column: s.target.checklist.as_deref(),
            crawl: &s.crawl,
            failure: match &s.status {
                SiteStatus::Ok => None,
                SiteStatus::Failed(f) => Some(f),
            },
            note_data: &s.notes,
        }
    }
}

/// Serialises `run` (number `run_id` in the history) and its `changes` as
/// pretty JSON.
///
/// # Errors
/// Only if serialisation fails.
pub fn run_json(
    run: &AuditRun,
    run_id: Option<i64>,
    changes: &[Change],
) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    write_run_json(run, run_id, changes, &mut bytes)?;
    Ok(bytes)
}

/// Writes `run` (number `run_id` in the history) and its `changes` as
/// pretty JSON to `out` as it goes: with every finding of thousands of
/// sites, the document is the largest output (28 KB per unreachable site),
/// too large to build in memory first.
///
/// # Errors
/// When serialisation or writing fails.
pub fn write_run_json(
    run: &AuditRun,
    run_id: Option<i64>,
    changes: &[Change],
    mut out: impl std::io::Write,
) -> anyhow::Result<()> {
    let doc = RunJson {
        tool: "portal-audit",
        tool_version: env!("CARGO_PKG_VERSION"),
        run_id,
        started_at: &run.started_at,
        as_of: run.as_of.to_string(),
        duration_seconds: run.duration.as_secs_f64(),
        interrupted: run.interrupted,
        shard: run.shard.as_ref(),
        render: RenderJson::of(&run.render, run.sites.render_totals()?),
        sites: SitesJson(&run.sites),
        changes,
    };
    serde_json::to_writer_pretty(&mut out, &doc)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// `run.json` as read back.
#[derive(Deserialize)]
struct RunIn {
    tool: String,
    started_at: String,
    as_of: jiff::civil::Date,
    duration_seconds: f64,
    interrupted: bool,
    #[serde(default)]
    shard: Option<ShardOfRun>,
    #[serde(default)]
    render: RenderSummary,
    sites: Vec<SiteIn>,
}

#[derive(Deserialize)]
struct SiteIn {
    id: String,
    name: String,
    kind: SiteKind,
    url: url::Url,
    final_url: Option<url::Url>,
    checklist: String,
    ruleset: String,
    pages_crawled: usize,
    duration_seconds: f64,
    findings: Vec<Finding>,
    extra: Vec<(String, String)>,
    checklist_column: Option<String>,
    crawl: CrawlStats,
    failure: Option<FetchFailure>,
    note_data: Vec<Note>,
}

/// Reads a `run.json` written by portal-audit back into the run.
///
/// # Errors
/// When the file cannot be read or is not a portal-audit `run.json` of
/// this version.
pub fn read_run_json(path: &Path) -> anyhow::Result<AuditRun> {
    // Read as it is parsed: a shard's run.json weighs tens of megabytes.
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let run: RunIn = serde_json::from_reader(std::io::BufReader::new(file))
        .with_context(|| format!("{} is not a run.json of this portal-audit", path.display()))?;
    anyhow::ensure!(
        run.tool == "portal-audit",
        "{} was not written by portal-audit",
        path.display()
    );
    Ok(AuditRun {
        started_at: run.started_at,
        interrupted: run.interrupted,
        as_of: run.as_of,
        duration: Duration::from_secs_f64(run.duration_seconds.max(0.0)),
        shard: run.shard,
        render: run.render,
        sites: run.sites.into_iter().map(SiteIn::into_result).collect(),
    })
}

impl SiteIn {
    fn into_result(self) -> SiteResult {
        let score = crate::score::score(&self.findings);
        SiteResult {
            target: Target {
                id: self.id,
                name: self.name,
                kind: self.kind,
                url: self.url,
                checklist: self.checklist_column,
                extra: self.extra,
            },
            checklist: self.checklist,
            ruleset: self.ruleset,
            status: self.failure.map_or(SiteStatus::Ok, SiteStatus::Failed),
            final_url: self.final_url,
            crawl: self.crawl,
            pages_crawled: self.pages_crawled,
            findings: self.findings,
            score,
            notes: self.note_data,
            duration: Duration::from_secs_f64(self.duration_seconds.max(0.0)),
        }
    }
}
