//! Carries out a parsed command line: validates every input before any
//! network I/O, runs the audit, writes the reports and picks the exit code.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::audit::{Assignment, run_audit};
use crate::checklist::{self, Checklist};
use crate::cli::{
    AuditArgs, ChecklistCommand, Cli, Command, DemoArgs, DiffArgs, HistoryArgs, RunOptions,
};
use crate::crawl::{CrawlConfig, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_REDIRECTS, FetchConfig};
use crate::error::InputError;
use crate::fixture_server;
use crate::history::History;
use crate::progress::Progress;
use crate::report::{ReportInput, ReportOptions, WrittenReports, write_reports};
use crate::run::{AuditRun, RunChanges, SiteStatus};
use crate::target::{Target, load_targets};

/// Exit statuses scripts can rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Done.
    Ok = 0,
    /// A site scored under `--fail-under`.
    BelowThreshold = 1,
    /// Bad input.
    BadInput = 2,
    /// The tool failed.
    Internal = 3,
    /// With `--fail-on-regression`: an item went from present to missing or
    /// placeholder since the previous run (and no site is under
    /// `--fail-under`, which wins).
    Regression = 4,
    /// Interrupted by Ctrl-C or SIGTERM; partial results were written.
    Interrupted = 130,
}

/// Cancels `cancel` on Ctrl-C (SIGINT) or SIGTERM, so the run stops crawling
/// and writes what it has.
async fn cancel_on_signal(cancel: CancellationToken) {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(e) => {
                    tracing::warn!("cannot listen for SIGTERM: {e}");
                    let _ = tokio::signal::ctrl_c().await;
                    cancel.cancel();
                    return;
                }
            };
        tokio::select! {
            // Ctrl-C in a terminal.
            _ = tokio::signal::ctrl_c() => {}
            // systemd stopping the service, or kill.
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    eprintln!("portal-audit: interrupted; stopping the crawl and writing what was done");
    cancel.cancel();
}

/// Runs the command.
///
/// # Errors
/// [`InputError`] for bad input (exit 2); anything else is an internal
/// failure (exit 3).
pub async fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Audit(args) => audit(args).await,
        Command::Demo(args) => demo(args).await,
        Command::Checklist(cmd) => checklist_command(cmd),
        Command::History(args) => history_command(&args),
        Command::Diff(args) => diff_command(&args),
    }
}

async fn audit(args: AuditArgs) -> anyhow::Result<Exit> {
    let targets = load_targets(&args.targets)?;
    let assignments = assign_checklists(targets, &args.options.checklist, &args.targets)?;
    check_fail_under(&args.options)?;
    let out = expand_out(&args.out, &args.options);
    let mut history = open_history(&out, &args.options)?;
    prepare_out(&out)?;
    run_and_report(assignments, &out, &mut history, &args.options).await
}

/// `--out` with `{date}` replaced by the audit date, for scheduled runs.
fn expand_out(out: &Path, options: &RunOptions) -> PathBuf {
    PathBuf::from(
        out.to_string_lossy()
            .replace("{date}", &options.as_of.to_string()),
    )
}

/// `--history`, else `history.sqlite` beside the output folder. Taking its
/// lock here, before any crawling, makes a second concurrent run fail fast.
fn open_history(out: &Path, options: &RunOptions) -> anyhow::Result<History> {
    let path = options.history.clone().unwrap_or_else(|| {
        let absolute = if out.is_absolute() {
            out.to_path_buf()
        } else {
            Path::new(".").join(out)
        };
        absolute
            .parent()
            .unwrap_or(Path::new("."))
            .join("history.sqlite")
    });
    History::open(&path)
}

/// Crawls, compares with the history, writes every report, records the run.
async fn run_and_report(
    assignments: Vec<Assignment>,
    out: &Path,
    history: &mut History,
    options: &RunOptions,
) -> anyhow::Result<Exit> {
    let run = execute(assignments, options).await?;
    let ids: Vec<&str> = run.sites.iter().map(|s| s.target.id.as_str()).collect();
    let previous = history.previous(&ids)?;
    let changes = RunChanges::since(&previous, &run);
    let input = ReportInput {
        run: &run,
        changes: &changes,
    };
    let written = write_reports(out, input, report_options(options))?;
    history.record(&run)?;
    conclude(&run, &written, &changes, options)
}

async fn demo(args: DemoArgs) -> anyhow::Result<Exit> {
    let default = Arc::new(checklist::load(&args.options.checklist)?);
    check_fail_under(&args.options)?;
    let out = expand_out(&args.out, &args.options);
    let mut history = open_history(&out, &args.options)?;
    prepare_out(&out)?;
    let mut served = Vec::new();
    for site in fixture_server::embedded_sites() {
        served.push(
            fixture_server::serve(site)
                .await
                .context("cannot serve the fixture sites on 127.0.0.1")?,
        );
    }
    if !args.options.quiet {
        println!("Serving {} fixture sites on 127.0.0.1:", served.len());
        for s in &served {
            println!(
                "  {:<28} {}{}",
                s.site.id,
                s.url,
                if s.site.down {
                    "  (down on purpose)"
                } else {
                    ""
                }
            );
        }
    }
    let assignments = served
        .iter()
        .map(|s| Assignment {
            target: s.target(),
            checklist: Arc::clone(&default),
        })
        .collect();
    run_and_report(assignments, &out, &mut history, &args.options).await
}

/// Resolves each target's checklist (the `checklist` column, else the
/// default), loading each distinct one once, before any network I/O.
fn assign_checklists(
    targets: Vec<Target>,
    default: &str,
    targets_path: &Path,
) -> Result<Vec<Assignment>, InputError> {
    let mut loaded: HashMap<String, Arc<Checklist>> = HashMap::new();
    loaded.insert(default.to_owned(), Arc::new(checklist::load(default)?));
    let base = targets_path.parent().unwrap_or(Path::new("."));
    targets
        .into_iter()
        .map(|target| {
            let name = target
                .checklist
                .clone()
                .unwrap_or_else(|| default.to_owned());
            let checklist = match loaded.get(&name) {
                Some(c) => Arc::clone(c),
                None => {
                    let c = Arc::new(checklist::load_from(&name, base)?);
                    loaded.insert(name, Arc::clone(&c));
                    c
                }
            };
            Ok(Assignment { target, checklist })
        })
        .collect()
}

fn check_fail_under(options: &RunOptions) -> Result<(), InputError> {
    match options.fail_under {
        Some(p) if !(0.0..=1000.0).contains(&p) || p.is_nan() => Err(InputError::in_file(
            Path::new("--fail-under"),
            format!("{p} is not a percentage"),
        )),
        _ => Ok(()),
    }
}

fn prepare_out(out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create output folder {}", out.display()))
}

fn crawl_config(options: &RunOptions) -> CrawlConfig {
    CrawlConfig {
        fetch: FetchConfig {
            user_agent: format!(
                "portal-audit/{} (+{})",
                env!("CARGO_PKG_VERSION"),
                options.contact
            ),
            timeout: Duration::from_secs(options.timeout),
            connect_timeout: Duration::from_secs(options.timeout.min(10)),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            insecure: options.insecure,
            retries: options.retries,
        },
        max_pages: options.max_pages,
        max_depth: options.max_depth,
        per_host: options.per_host,
        concurrency: options.concurrency,
        site_budget: Duration::from_secs(options.site_budget),
        min_interval: Duration::from_millis(options.delay_ms),
    }
}

fn report_options(options: &RunOptions) -> ReportOptions {
    ReportOptions {
        bom: !options.no_bom,
        lang: options.lang,
    }
}

async fn execute(assignments: Vec<Assignment>, options: &RunOptions) -> anyhow::Result<AuditRun> {
    let progress = Progress::new(assignments.len(), options.quiet);
    let cancel = CancellationToken::new();
    let watcher = tokio::spawn(cancel_on_signal(cancel.clone()));
    let run = run_audit(
        assignments,
        crawl_config(options),
        options.as_of,
        &progress,
        cancel,
    )
    .await;
    watcher.abort();
    progress.finish();
    run
}

fn conclude(
    run: &AuditRun,
    written: &WrittenReports,
    changes: &RunChanges,
    options: &RunOptions,
) -> anyhow::Result<Exit> {
    if !options.quiet {
        print_summary(run);
        println!();
        for file in &written.files {
            println!("Wrote {}", file.display());
        }
    }
    if run.interrupted {
        eprintln!("portal-audit: the run was interrupted; the scorecards are marked incomplete");
        return Ok(Exit::Interrupted);
    }
    let mut exit = Exit::Ok;
    if let Some(threshold) = options.fail_under {
        let below: Vec<&str> = run
            .sites
            .iter()
            .filter(|s| s.status == SiteStatus::Ok && s.score.score.is_some_and(|v| v < threshold))
            .map(|s| s.target.id.as_str())
            .collect();
        if !below.is_empty() {
            eprintln!(
                "portal-audit: {} site(s) scored under {threshold}%: {}",
                below.len(),
                below.join(", ")
            );
            exit = Exit::BelowThreshold;
        }
    }
    if options.fail_on_regression {
        let regressions: Vec<String> = changes
            .regressions()
            .map(|c| format!("{}/{}", c.site_id, c.item_id))
            .collect();
        if !regressions.is_empty() {
            eprintln!(
                "portal-audit: {} item(s) went from present to missing or placeholder: {}",
                regressions.len(),
                regressions.join(", ")
            );
            if exit == Exit::Ok {
                exit = Exit::Regression;
            }
        }
    }
    Ok(exit)
}

fn print_summary(run: &AuditRun) {
    println!(
        "Audit judged on {} — {} sites in {:.1}s",
        run.as_of,
        run.sites.len(),
        run.duration.as_secs_f64()
    );
    println!(
        "{:<28} {:<16} {:>6} {:>6}  needs action",
        "site", "status", "pages", "score"
    );
    for site in &run.sites {
        let score = site
            .score
            .score
            .map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
        println!(
            "{:<28} {:<16} {:>6} {:>6}  {}",
            crate::fold::clip(&site.target.id, 28),
            site.status.code(),
            site.pages_crawled,
            score,
            site.score.needs_action.join(" ")
        );
    }
}

fn history_command(args: &HistoryArgs) -> anyhow::Result<Exit> {
    let history = open_existing_history(&args.history)?;
    let points = history.trend(args.site.as_deref())?;
    if points.is_empty() {
        println!(
            "No runs recorded{}.",
            args.site
                .as_ref()
                .map(|s| format!(" for site `{s}`"))
                .unwrap_or_default()
        );
        return Ok(Exit::Ok);
    }
    println!(
        "{:<28} {:>5}  {:<10}  {:>6}  {:>7}  status",
        "site", "run", "as of", "score", "change"
    );
    let mut last: Option<(&str, Option<f64>)> = None;
    for p in &points {
        let change = match (last, p.score) {
            (Some((site, Some(before))), Some(now)) if site == p.site_id => {
                format!("{:+.1}", now - before)
            }
            _ => String::new(),
        };
        let score = p
            .score
            .map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
        println!(
            "{:<28} {:>5}  {:<10}  {:>6}  {:>7}  {}",
            crate::fold::clip(&p.site_id, 28),
            p.run_id,
            p.as_of,
            score,
            change,
            p.status
        );
        last = Some((&p.site_id, p.score));
    }
    Ok(Exit::Ok)
}

fn diff_command(args: &DiffArgs) -> anyhow::Result<Exit> {
    let history = open_existing_history(&args.history)?;
    let runs = history.runs()?;
    let (a, b) = match (args.run_a, args.run_b) {
        (Some(a), Some(b)) => (a, b),
        (None, None) if runs.len() >= 2 => (runs[runs.len() - 2].id, runs[runs.len() - 1].id),
        (None, None) => {
            println!(
                "Fewer than two runs recorded in {}: nothing to compare.",
                args.history.display()
            );
            return Ok(Exit::Ok);
        }
        _ => {
            return Err(InputError::in_file(
                Path::new("diff"),
                "give two run numbers, or none for the last two",
            )
            .into());
        }
    };
    for run in [a, b] {
        if !runs.iter().any(|r| r.id == run) {
            return Err(InputError::in_file(
                &args.history,
                format!("no run {run} in this history"),
            )
            .into());
        }
    }
    let changes = history.diff(a, b)?;
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    w.write_record(["site_id", "item_id", "before", "after", "regression"])?;
    for c in &changes {
        w.write_record([
            c.site_id.as_str(),
            c.item_id.as_str(),
            c.before.map_or("", |s| s.as_str()),
            c.after.map_or("", |s| s.as_str()),
            if c.is_regression() { "yes" } else { "" },
        ])?;
    }
    w.flush()?;
    Ok(Exit::Ok)
}

fn open_existing_history(path: &Path) -> anyhow::Result<History> {
    if !path.exists() {
        return Err(InputError::in_file(
            path,
            "no history here (run an audit first, or give --history PATH)",
        )
        .into());
    }
    History::open(path)
}

fn checklist_command(cmd: ChecklistCommand) -> anyhow::Result<Exit> {
    match cmd {
        ChecklistCommand::List => {
            println!("{:<16} {:>5}  title", "checklist", "items");
            for name in checklist::builtin_names() {
                let c = checklist::load_builtin(name)?;
                println!(
                    "{:<16} {:>5}  {} (version {})",
                    c.id,
                    c.items.len(),
                    c.title,
                    c.version
                );
            }
            Ok(Exit::Ok)
        }
        ChecklistCommand::Show { name } => {
            let c = checklist::load(&name)?;
            print!("{}", describe(&c));
            Ok(Exit::Ok)
        }
        ChecklistCommand::Check { path } => {
            let c = checklist::load_path(&path)?;
            println!(
                "{}: ok — checklist `{}` version {}, {} items",
                path.display(),
                c.id,
                c.version,
                c.items.len()
            );
            Ok(Exit::Ok)
        }
    }
}

/// A checklist as text, item by item, with bases and dates.
#[must_use]
pub fn describe(c: &Checklist) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} (version {}, {})",
        c.id, c.title, c.version, c.source
    );
    if let Some(d) = &c.description {
        let _ = writeln!(out, "{}", d.trim());
    }
    if !c.rulesets.is_empty() {
        let _ = writeln!(out, "\nRule sets:");
        for r in &c.rulesets {
            let _ = writeln!(out, "  {:<12} {} {}", r.id, r.title, r.period.describe());
        }
    }
    let _ = writeln!(out, "\nItems ({}):", c.items.len());
    for item in &c.items {
        let kinds: Vec<&str> = item.applies_to.iter().map(|k| k.as_str()).collect();
        let _ = writeln!(
            out,
            "\n  {} — {}{}",
            item.id,
            item.title,
            item.title_en
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            out,
            "    weight {}{}; applies to {}{}",
            item.weight,
            if item.report_only {
                " (report only)"
            } else {
                ""
            },
            kinds.join(", "),
            if item.period.describe().is_empty() {
                String::new()
            } else {
                format!("; {}", item.period.describe())
            }
        );
        for b in &item.basis {
            let period = b.period.describe();
            let _ = writeln!(
                out,
                "    basis: {}{}",
                b.reference,
                if period.is_empty() {
                    String::new()
                } else {
                    format!(" [{period}]")
                }
            );
        }
        if let Some(days) = item.fresh_within_days {
            let _ = writeln!(out, "    freshness: newest date within {days} days");
        }
        let _ = writeln!(out, "    signals: {}", item.signals_written.summary());
    }
    out
}
