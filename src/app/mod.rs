//! Carries out a parsed command line: validates every input before any
//! network I/O, runs the audit, writes the reports and picks the exit code.

mod inspect;
mod merge;
mod outputs;
mod resume;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::audit::{Assignment, run_audit_with};
use crate::checklist::{self, Checklist};
use crate::cli::{AuditArgs, Cli, Command, DemoArgs, RunOptions};
use crate::crawl::{CrawlConfig, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_REDIRECTS, FetchConfig};
use crate::error::InputError;
use crate::fixture_server;
use crate::progress::Progress;
use crate::report::{Lang, ReportOptions};
use crate::run::{AuditRun, SiteStatus, SiteStore};
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

pub use inspect::describe;

/// Runs the command.
///
/// # Errors
/// [`InputError`] for bad input (exit 2); anything else is an internal
/// failure (exit 3).
pub async fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Audit(args) => audit(args).await,
        Command::Demo(args) => demo(args).await,
        Command::Checklist(cmd) => inspect::checklist_command(cmd),
        Command::History(args) => inspect::history_command(&args),
        Command::Diff(args) => inspect::diff_command(&args),
        Command::Report(args) => report_command(&args),
        Command::Merge(args) => merge::merge_command(&args),
    }
}

async fn audit(args: AuditArgs) -> anyhow::Result<Exit> {
    let targets = load_targets(&args.targets)?;
    let (targets, shard) = resume::select_shard(targets, args.shard);
    let base = args.targets.parent().unwrap_or(Path::new("."));
    let mut assignments = assign_checklists(targets, &args.options.checklist, base)?;
    check_fail_under(&args.options)?;
    let out = expand_out(&args.out, &args.options);
    let mut destination =
        outputs::prepare(&out, args.options.history.as_deref(), assignments.len())?;
    let key = resume::run_key(&assignments, &args.options, shard.as_ref());
    // Decided on every target, before a resume leaves out the done ones.
    let report = report_options(&args.options, &assignments);
    let mut continuation = resume::Continuation::begin(
        &destination.folder,
        &mut assignments,
        &key,
        args.resume,
        shard,
    )?;
    run_and_report(
        assignments,
        &mut continuation,
        &mut destination,
        &args.options,
        report,
    )
    .await
}

/// `--out` with `{date}` replaced by the audit date, for scheduled runs.
fn expand_out(out: &Path, options: &RunOptions) -> PathBuf {
    PathBuf::from(
        out.to_string_lossy()
            .replace("{date}", &options.as_of().to_string()),
    )
}

/// Crawls, compares with the history, records the run, writes every
/// report.
async fn run_and_report(
    assignments: Vec<Assignment>,
    continuation: &mut resume::Continuation,
    destination: &mut outputs::Destination,
    options: &RunOptions,
    report_options: ReportOptions,
) -> anyhow::Result<Exit> {
    // Finished sites are spilled beside the output folder, on the disk
    // checked for room.
    let store = SiteStore::beside(assignments.len(), destination.folder.path());
    let run = execute(
        assignments,
        store,
        continuation,
        options,
        report_options.lang,
    )
    .await?;
    let run = continuation.complete(run);
    let interrupted = run.interrupted;
    let delivered = outputs::deliver(destination, run, report_options)?;
    continuation.finish(interrupted);
    conclude(&delivered, destination.folder.path(), options)
}

async fn demo(mut args: DemoArgs) -> anyhow::Result<Exit> {
    // The fixtures are labelled for one date: judged on another, their
    // results would change from day to day.
    let labelled = args.options.as_of.is_none();
    args.options
        .as_of
        .get_or_insert_with(|| fixture_server::FIXTURE_AS_OF.parse().expect("fixture date"));
    // Fails early on a bad --checklist, before anything is served.
    checklist::load(&args.options.checklist)?;
    check_fail_under(&args.options)?;
    let out = expand_out(&args.out, &args.options);
    let sites = fixture_server::embedded_sites().len();
    let mut destination = outputs::prepare(&out, args.options.history.as_deref(), sites)?;
    let mut served = Vec::new();
    for site in fixture_server::embedded_sites() {
        served.push(
            fixture_server::serve(site)
                .await
                .context("cannot serve the fixture sites on 127.0.0.1")?,
        );
    }
    if !args.options.quiet {
        let vi = args.options.format.lang != Some(Lang::En);
        let mut listing = match (labelled, vi) {
            (false, _) => String::new(),
            (true, true) => format!(
                "Rà soát theo quy định ngày {}, ngày các cổng mẫu được gắn nhãn (đổi bằng --as-of).\n",
                args.options.as_of()
            ),
            (true, false) => format!(
                "Judged as of {}, the date the fixture sites are labelled for (--as-of to change).\n",
                args.options.as_of()
            ),
        };
        let _ = if vi {
            writeln!(listing, "Phục vụ {} cổng mẫu trên 127.0.0.1:", served.len())
        } else {
            writeln!(
                listing,
                "Serving {} fixture sites on 127.0.0.1:",
                served.len()
            )
        };
        for s in &served {
            let down = match (s.site.down, vi) {
                (false, _) => "",
                (true, true) => "  (cố ý không chạy)",
                (true, false) => "  (down on purpose)",
            };
            let _ = writeln!(listing, "  {:<28} {}{down}", s.site.id, s.url);
        }
        say(&listing);
    }
    let targets = served
        .iter()
        .map(fixture_server::ServedSite::target)
        .collect();
    let assignments = assign_checklists(targets, &args.options.checklist, Path::new(""))?;
    let mut continuation = resume::Continuation::none(&assignments);
    let report = report_options(&args.options, &assignments);
    run_and_report(
        assignments,
        &mut continuation,
        &mut destination,
        &args.options,
        report,
    )
    .await
}

/// `portal-audit report`: a recorded run's outputs, written again.
fn report_command(args: &crate::cli::ReportArgs) -> anyhow::Result<Exit> {
    let (snapshot, run_id) = match (args.run, &args.saved) {
        (Some(id), _) => {
            let history = crate::history::History::open_read_only(&args.history)?;
            let snapshot = history.snapshot(id)?.ok_or_else(|| {
                InputError::in_file(
                    &args.history,
                    format!(
                        "no run {id} with saved results in this history (see portal-audit history)"
                    ),
                )
            })?;
            (snapshot, Some(id))
        }
        (None, Some(file)) => (
            crate::history::Snapshot::load(file)
                .map_err(|e| InputError::in_file(file, format!("{e:#}")))?,
            None,
        ),
        (None, None) => {
            return Err(
                InputError::in_file(Path::new("report"), "give --run N or --saved FILE").into(),
            );
        }
    };
    let mut report = snapshot.report;
    report.lang = args.lang.unwrap_or(report.lang);
    report.delimiter = args.csv_delimiter.unwrap_or(report.delimiter);
    let written = outputs::rewrite(&snapshot, run_id, &args.out, report)?;
    let vi = report.lang == Lang::Vi;
    let mut text = String::new();
    for file in &written.files {
        let _ = writeln!(
            text,
            "{} {}",
            if vi { "Đã ghi" } else { "Wrote" },
            args.out.join(file).display()
        );
    }
    say(&text);
    Ok(Exit::Ok)
}

/// Resolves each target's checklist (the `checklist` column, a built-in
/// name or a path relative to `base`, else the default), loading each
/// distinct one once, before any network I/O.
fn assign_checklists(
    targets: Vec<Target>,
    default: &str,
    base: &Path,
) -> Result<Vec<Assignment>, InputError> {
    let mut loaded: HashMap<String, Arc<Checklist>> = HashMap::new();
    loaded.insert(default.to_owned(), Arc::new(checklist::load(default)?));
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
        follow_start_redirects: options.follow_start_redirects,
        exhaustive: options.exhaustive,
        render: options.render.config(),
    }
}

/// The outputs' options; their language is `--lang`, else that of the
/// checklist most sites are judged by.
fn report_options(options: &RunOptions, assignments: &[Assignment]) -> ReportOptions {
    let checklist_lang = assignments
        .first()
        .and_then(|a| a.checklist.language.as_deref())
        .map_or(Lang::Vi, |l| if l == "en" { Lang::En } else { Lang::Vi });
    options.format.report_options(checklist_lang)
}

async fn execute(
    assignments: Vec<Assignment>,
    store: SiteStore,
    continuation: &mut resume::Continuation,
    options: &RunOptions,
    lang: Lang,
) -> anyhow::Result<AuditRun> {
    let progress = Progress::new(assignments.len(), options.quiet, lang);
    let cancel = CancellationToken::new();
    let watcher = tokio::spawn(cancel_on_signal(cancel.clone()));
    let run = run_audit_with(
        assignments,
        crawl_config(options),
        options.as_of(),
        &progress,
        cancel,
        store,
        &mut |site| continuation.site_done(site),
    )
    .await;
    watcher.abort();
    progress.finish();
    run
}

fn conclude(
    delivered: &outputs::Delivered,
    out: &Path,
    options: &RunOptions,
) -> anyhow::Result<Exit> {
    let (run, changes) = (&delivered.snapshot.run, &delivered.snapshot.changes);
    let (written, lang) = (&delivered.written, delivered.snapshot.report.lang);
    if !options.quiet {
        let mut text = summary(run, lang);
        text.push('\n');
        let wrote = match lang {
            Lang::Vi => "Đã ghi",
            Lang::En => "Wrote",
        };
        for file in &written.files {
            let _ = writeln!(text, "{wrote} {}", out.join(file).display());
        }
        let _ = match lang {
            Lang::Vi => writeln!(
                text,
                "Đã ghi {} danh mục cần bổ sung, mỗi cơ quan một tệp, trong {}",
                written.fix_lists,
                out.join(&written.fix_list_folder).display()
            ),
            Lang::En => writeln!(
                text,
                "Wrote {} fix lists, one per agency, in {}",
                written.fix_lists,
                out.join(&written.fix_list_folder).display()
            ),
        };
        say(&text);
    }
    if run.interrupted {
        eprintln!("portal-audit: the run was interrupted; the scorecards are marked incomplete");
        return Ok(Exit::Interrupted);
    }
    let mut exit = Exit::Ok;
    if let Some(threshold) = options.fail_under {
        let mut below: Vec<String> = Vec::new();
        for site in run.sites.iter() {
            let site = site?;
            if site.status == SiteStatus::Ok && site.score.score.is_some_and(|v| v < threshold) {
                below.push(site.target.id.clone());
            }
        }
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

/// The run in a few lines: one per site, with what it must fix.
fn summary(run: &AuditRun, lang: Lang) -> String {
    let seconds = run.duration.as_secs_f64();
    let (mut text, columns) = match lang {
        Lang::Vi => (
            format!(
                "Rà soát theo quy định ngày {} — {} cổng trong {seconds:.1} giây\n",
                run.as_of,
                run.sites.len()
            ),
            [
                "cổng",
                "tình trạng",
                "số trang",
                "dừng vì",
                "điểm",
                "cần bổ sung",
            ],
        ),
        Lang::En => (
            format!(
                "Audit judged on {} — {} sites in {seconds:.1}s\n",
                run.as_of,
                run.sites.len()
            ),
            [
                "site",
                "status",
                "pages",
                "stopped",
                "score",
                "needs action",
            ],
        ),
    };
    let _ = writeln!(
        text,
        "{:<28} {:<22} {:>8} {:<13} {:>6}  {}",
        columns[0], columns[1], columns[2], columns[3], columns[4], columns[5]
    );
    // A site that cannot be read back was already reported by the outputs
    // that needed it.
    for site in run.sites.iter().take(SUMMARY_ROWS).flatten() {
        text.push_str(&summary_row(&site, lang));
    }
    let more = run.sites.len().saturating_sub(SUMMARY_ROWS);
    if more > 0 {
        let _ = match lang {
            Lang::Vi => writeln!(text, "… và {more} cổng khác: xem đủ trong scorecard.csv"),
            Lang::En => writeln!(text, "… and {more} more sites: scorecard.csv has them all"),
        };
    }
    if let Ok(totals) = run.sites.render_totals() {
        text.push_str(&render_line(&run.render, &totals, lang));
    }
    text
}

/// What rendering pages in a browser cost, or why it did not happen.
fn render_line(
    summary: &crate::crawl::RenderSummary,
    totals: &crate::site::RenderStats,
    lang: Lang,
) -> String {
    use crate::crawl::RenderMode;
    use crate::site::NotRendered;
    #[allow(clippy::cast_precision_loss)]
    let seconds = totals.millis as f64 / 1000.0;
    let (rendered, blocked, left) = (
        totals.rendered,
        totals.requests_blocked,
        totals.not_rendered,
    );
    let why = match (summary.mode, summary.unavailable) {
        (RenderMode::Never, _) => Some(NotRendered::Off),
        (_, unavailable) => unavailable,
    };
    let mut line = match lang {
        Lang::Vi => format!(
            "Trình duyệt (trang dựng bằng JavaScript): {rendered} trang đã mở, {seconds:.1} giây, chặn {blocked} yêu cầu"
        ),
        Lang::En => format!(
            "Browser (pages built by JavaScript): {rendered} pages rendered in {seconds:.1}s, {blocked} requests blocked"
        ),
    };
    if left > 0 {
        let _ = match (lang, why) {
            (Lang::Vi, Some(why)) => write!(
                line,
                "; {left} trang cần trình duyệt chỉ được đánh giá theo HTML: {}",
                crate::report::words::not_rendered_vi(why)
            ),
            (Lang::Vi, None) => write!(
                line,
                "; {left} trang cần trình duyệt chỉ được đánh giá theo HTML (xem ghi chú từng cổng)"
            ),
            (Lang::En, Some(why)) => write!(
                line,
                "; {left} pages that needed it judged from their HTML: {}",
                why.reason()
            ),
            (Lang::En, None) => write!(
                line,
                "; {left} pages that needed it judged from their HTML (see each site's notes)"
            ),
        };
    } else if why == Some(NotRendered::Off) {
        line.push_str(match lang {
            Lang::Vi => " (chế độ trình duyệt đang tắt: --render never)",
            Lang::En => " (rendering is off: --render never)",
        });
    }
    line.push('\n');
    line
}

/// Sites listed in the terminal summary: a province's run whole; a
/// national run's thousands are in the scorecard, not in a cron mail.
const SUMMARY_ROWS: usize = 100;

/// One site's line in the terminal summary.
fn summary_row(site: &crate::run::SiteResult, lang: Lang) -> String {
    let score = site
        .score
        .score
        .map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
    let failure = site.status.failure();
    let status = match lang {
        Lang::Vi => crate::report::words::outcome_word(failure, lang),
        Lang::En => site.status.code(),
    };
    // Pages fetched, and why the crawl stopped (#16).
    let stopped = match failure {
        None => crate::report::words::stop_word(site.crawl.stopped, lang),
        Some(_) => "-",
    };
    format!(
        "{:<28} {:<22} {:>8} {:<13} {:>6}  {}\n",
        crate::fold::clip(&site.target.id, 28),
        crate::fold::clip(status, 22),
        site.crawl.pages_fetched,
        stopped,
        score,
        site.score.needs_action.join(" ")
    )
}

/// Prints what an audit has to say on stdout, if anyone is reading: a
/// closed stdout (`| head`) must not cost a run its reports or its exit
/// status, so write errors are ignored here.
pub(super) fn say(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
