//! Carries out a parsed command line: validates every input before any
//! network I/O, runs the audit, writes the reports and picks the exit code.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::audit::{Assignment, AuditRun, SiteStatus, run_audit};
use crate::checklist::{self, Checklist};
use crate::cli::{AuditArgs, ChecklistCommand, Cli, Command, DemoArgs, RunOptions};
use crate::crawl::{CrawlConfig, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_REDIRECTS, FetchConfig};
use crate::error::InputError;
use crate::fixture_server;
use crate::progress::Progress;
use crate::report::{ReportOptions, WrittenReports, write_reports};
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
    }
}

async fn audit(args: AuditArgs) -> anyhow::Result<Exit> {
    let targets = load_targets(&args.targets)?;
    let assignments = assign_checklists(targets, &args.options.checklist, &args.targets)?;
    check_fail_under(&args.options)?;
    prepare_out(&args.out)?;
    let run = execute(assignments, &args.options).await?;
    let written = write_reports(&args.out, &run, report_options(&args.options))?;
    conclude(&run, &written, &args.options)
}

async fn demo(args: DemoArgs) -> anyhow::Result<Exit> {
    let default = Arc::new(checklist::load(&args.options.checklist)?);
    check_fail_under(&args.options)?;
    prepare_out(&args.out)?;
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
    let run = execute(assignments, &args.options).await?;
    let written = write_reports(&args.out, &run, report_options(&args.options))?;
    conclude(&run, &written, &args.options)
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
                    let is_builtin = checklist::builtin_names().contains(&name.as_str());
                    let c = if is_builtin {
                        checklist::load_builtin(&name)?
                    } else {
                        checklist::load_path(&base.join(&name))?
                    };
                    let c = Arc::new(c);
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
            insecure: false,
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
    }
}

async fn execute(assignments: Vec<Assignment>, options: &RunOptions) -> anyhow::Result<AuditRun> {
    let progress = Progress::new(assignments.len(), options.quiet);
    let run = run_audit(assignments, crawl_config(options), options.as_of, &progress).await;
    progress.finish();
    run
}

fn conclude(
    run: &AuditRun,
    written: &WrittenReports,
    options: &RunOptions,
) -> anyhow::Result<Exit> {
    if !options.quiet {
        print_summary(run);
        println!();
        println!("Scorecard: {}", written.scorecard.display());
        println!("Findings:  {}", written.findings.display());
        println!("Missing:   {}", written.missing.display());
    }
    let below: Vec<&str> = match options.fail_under {
        Some(threshold) => run
            .sites
            .iter()
            .filter(|s| s.status == SiteStatus::Ok && s.score.score.is_some_and(|v| v < threshold))
            .map(|s| s.target.id.as_str())
            .collect(),
        None => Vec::new(),
    };
    if below.is_empty() {
        Ok(Exit::Ok)
    } else {
        eprintln!(
            "portal-audit: {} site(s) scored under {}%: {}",
            below.len(),
            options.fail_under.unwrap_or_default(),
            below.join(", ")
        );
        Ok(Exit::BelowThreshold)
    }
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
