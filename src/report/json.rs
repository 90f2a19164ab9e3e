//! `run.json`: everything about a run in one machine-readable file, for
//! scripts and dashboards: tool and checklist versions, rule sets, the audit
//! date, timings, every site and every finding.

use serde::Serialize;

use crate::finding::Finding;
use crate::run::{AuditRun, Change, SiteStatus};

#[derive(Serialize)]
struct RunJson<'a> {
    tool: &'static str,
    tool_version: &'static str,
    run_id: Option<i64>,
    started_at: &'a str,
    as_of: String,
    duration_seconds: f64,
    interrupted: bool,
    sites: Vec<SiteJson<'a>>,
    changes: &'a [Change],
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
        sites: run
            .sites
            .iter()
            .map(|s| SiteJson {
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
            })
            .collect(),
        changes,
    };
    serde_json::to_writer_pretty(&mut out, &doc)?;
    out.write_all(b"\n")?;
    Ok(())
}
