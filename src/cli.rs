//! The command line, declared with clap. Defaults come from the library's
//! constants so help text and behaviour cannot drift apart.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use jiff::civil::Date;

use crate::crawl::{
    DEFAULT_CONCURRENCY, DEFAULT_MAX_DEPTH, DEFAULT_MAX_PAGES, DEFAULT_MAX_RENDERS,
    DEFAULT_PER_HOST, DEFAULT_RENDER_MEMORY_MIB, DEFAULT_RENDER_TIMEOUT_SECS, DEFAULT_RETRIES,
    DEFAULT_SITE_BUDGET_SECS, DEFAULT_TIMEOUT_SECS, RenderConfig, RenderMode,
};
use crate::report::Lang;

/// Default contact URL in the User-Agent; set --contact to your own page.
pub const DEFAULT_CONTACT: &str = "https://github.com/portal-audit/portal-audit#for-site-owners";

/// Audit government websites for the information the law requires them to
/// publish, and write scorecards of what each site is missing.
#[derive(Debug, Parser)]
#[command(name = "portal-audit", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Most `--concurrency`: requests in flight across all sites.
pub const MAX_CONCURRENCY_LIMIT: u64 = 1024;
/// Most `--per-host`: requests in flight to one site.
pub const MAX_PER_HOST_LIMIT: u64 = 64;
/// Most `--max-pages` per site.
pub const MAX_PAGES_LIMIT: u64 = 1_000_000;
/// Most `--max-depth`.
pub const MAX_DEPTH_LIMIT: i64 = 1_000;
/// Most `--retries`.
pub const MAX_RETRIES_LIMIT: u64 = 10;
/// Most `--delay-ms` (one minute between two requests to a site).
pub const MAX_DELAY_MS_LIMIT: u64 = 60_000;

const EXIT_CODES: &str = "\
Exit codes:
  0  done (every site has a row, whatever its outcome)
  1  a site scored under --fail-under
  2  bad input: targets file, checklist or option (nothing is written)
  3  the tool or the system failed (a full disk, say); the run stays in the history
     and the message gives the `portal-audit report` command that writes its outputs
  4  an item regressed since the previous run (with --fail-on-regression; 1 wins if both)
  130 interrupted (Ctrl-C or SIGTERM); partial results are written and marked incomplete";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Crawl the sites in a targets file and write scorecards.
    Audit(AuditArgs),
    /// Serve the bundled fixture sites on 127.0.0.1 and audit them (no internet needed).
    Demo(DemoArgs),
    /// List, show or validate checklists.
    #[command(subcommand)]
    Checklist(ChecklistCommand),
    /// Print each site's score over the recorded runs.
    History(HistoryArgs),
    /// Print the items whose status changed between two runs (CSV).
    Diff(DiffArgs),
    /// Join the output folders of the shards of one run (`audit --shard K/N`)
    /// into the outputs of a single run, recorded in the history.
    Merge(MergeArgs),
    /// Write a recorded run's outputs again (after a full disk, a kill, or
    /// a lost folder), from the history or from a saved-run file.
    Report(ReportArgs),
}

/// `portal-audit merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Folder for the merged outputs (replaced whole, as an audit does).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The history to record the merged run in (default: `history.sqlite`
    /// beside the output folder).
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,
    /// How the files leaders read are written.
    #[command(flatten)]
    pub format: FormatArgs,
    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
    /// The shards' output folders (each holds the `run.json` of one shard).
    #[arg(required = true, value_name = "SHARD_DIR")]
    pub shards: Vec<PathBuf>,
}

/// `portal-audit report`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["run", "saved"]))]
pub struct ReportArgs {
    /// The history database the run is recorded in.
    #[arg(long, default_value = "history.sqlite", value_name = "PATH")]
    pub history: PathBuf,
    /// The run's number (as `portal-audit history` and `run.json` give it).
    #[arg(long, value_name = "N")]
    pub run: Option<i64>,
    /// A saved-run file printed by an audit whose history could not be
    /// written, instead of --run.
    #[arg(long, value_name = "FILE")]
    pub saved: Option<PathBuf>,
    /// The output folder; replaced whole, as an audit does.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Language of the outputs (default: the run's).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// CSV field separator (default: the run's).
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub csv_delimiter: Option<u8>,
}

/// `portal-audit history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The history database.
    #[arg(long, default_value = "history.sqlite", value_name = "PATH")]
    pub history: PathBuf,
    /// Only this site.
    #[arg(long, value_name = "ID")]
    pub site: Option<String>,
}

/// `portal-audit diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The history database.
    #[arg(long, default_value = "history.sqlite", value_name = "PATH")]
    pub history: PathBuf,
    /// The earlier run (default: the second-to-last).
    pub run_a: Option<i64>,
    /// The later run (default: the last).
    pub run_b: Option<i64>,
}

/// Options shared by `audit` and `demo`.
#[derive(Debug, Args, Clone)]
pub struct RunOptions {
    /// Checklist to judge sites by: a built-in name or a TOML file.
    #[arg(long, default_value = "vn-gov-portal", value_name = "NAME|PATH")]
    pub checklist: String,
    /// Date the audit is judged on (which rules are in force; how fresh news
    /// must be). Default: today; for `demo`, the date its fixture sites are
    /// labelled for (2026-11-28).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// Most pages fetched per site (1 to 1,000,000).
    #[arg(long, default_value_t = DEFAULT_MAX_PAGES, value_name = "N", value_parser = count(1, MAX_PAGES_LIMIT))]
    pub max_pages: usize,
    /// Read every page within --max-pages and --max-depth, shallowest first,
    /// instead of stopping once every item is settled: slower, for checking
    /// the default crawl against.
    #[arg(long)]
    pub exhaustive: bool,
    /// Most links followed from the start page (0 to 1,000).
    #[arg(long, default_value_t = DEFAULT_MAX_DEPTH, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=MAX_DEPTH_LIMIT))]
    pub max_depth: u32,
    /// Most requests in flight across all sites (1 to 1,024).
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_name = "N", value_parser = count(1, MAX_CONCURRENCY_LIMIT))]
    pub concurrency: usize,
    /// Most requests in flight to one site (1 to 64).
    #[arg(long, default_value_t = DEFAULT_PER_HOST, value_name = "N", value_parser = count(1, MAX_PER_HOST_LIMIT))]
    pub per_host: usize,
    /// Seconds allowed for one request.
    #[arg(long, default_value_t = DEFAULT_TIMEOUT_SECS, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Seconds allowed for one whole site; its crawl stops when they run out.
    #[arg(long, default_value_t = DEFAULT_SITE_BUDGET_SECS, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub site_budget: u64,
    /// Milliseconds between two requests to one site, 0 to 60,000 (robots.txt
    /// Crawl-delay may raise it).
    #[arg(long, default_value_t = 0, value_name = "MS", value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS_LIMIT))]
    pub delay_ms: u64,
    /// Contact URL sent in the User-Agent, so site owners can reach you.
    #[arg(long, default_value = DEFAULT_CONTACT, env = "PORTAL_AUDIT_CONTACT", value_name = "URL")]
    pub contact: String,
    /// Extra tries after a transient failure (reset, timeout, 5xx, 429), 0 to 10.
    #[arg(long, default_value_t = DEFAULT_RETRIES, value_name = "N", value_parser = count(0, MAX_RETRIES_LIMIT))]
    pub retries: usize,
    /// Follow a start URL's redirect to another site and audit that site.
    /// Without it, only the `www.` twin and the upgrade to https are
    /// followed; a redirect elsewhere ends the site as redirect_out_of_scope.
    #[arg(long)]
    pub follow_start_redirects: bool,
    /// Go on past invalid TLS certificates (the https item still reports them).
    #[arg(long)]
    pub insecure: bool,
    /// History database (SQLite) every run is recorded in [default: history.sqlite beside the output folder].
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,
    /// Exit 4 if any item went from present to missing or placeholder since the previous run.
    #[arg(long)]
    pub fail_on_regression: bool,
    /// Exit 1 if any audited site scores under this percentage.
    #[arg(long, value_name = "PCT")]
    pub fail_under: Option<f64>,
    /// How the files leaders read are written.
    #[command(flatten)]
    pub format: FormatArgs,
    /// Pages built by JavaScript.
    #[command(flatten)]
    pub render: RenderArgs,
    /// No progress bars and no summary on stdout.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Rendering pages in headless Chromium.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Pages built by JavaScript")]
pub struct RenderArgs {
    /// Render pages in headless Chromium: `auto` renders those whose HTML
    /// shows the signs of being built by JavaScript (an empty shell with
    /// scripts, a <noscript> asking for JavaScript, a menu or footer with no
    /// links); `always` every HTML page; `never` none. Without Chromium the
    /// run goes on unrendered and says so per site.
    #[arg(long, value_enum, default_value_t = RenderMode::Auto, value_name = "WHEN")]
    pub render: RenderMode,
    /// The Chromium (or Chrome) to run [default: `chromium`,
    /// `chromium-browser`, `google-chrome`… found on PATH]. Nothing is
    /// downloaded.
    #[arg(long, env = "PORTAL_AUDIT_CHROMIUM", value_name = "PATH")]
    pub chromium: Option<PathBuf>,
    /// A host other than the site's that rendered pages may load from (a
    /// CDN the menu's script comes from): `cdn.example.vn` or with
    /// `:PORT`. Repeatable. Every other host is blocked and counted.
    #[arg(long, value_name = "HOST")]
    pub render_allow_host: Vec<String>,
    /// Seconds allowed for rendering one page; past it the page is judged
    /// from its HTML.
    #[arg(long, default_value_t = DEFAULT_RENDER_TIMEOUT_SECS, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub render_timeout: u64,
    /// Most pages rendered per site (0 to 10,000).
    #[arg(long, default_value_t = DEFAULT_MAX_RENDERS, value_name = "N", value_parser = count(0, 10_000))]
    pub max_renders: usize,
    /// Memory of the browser's processes (MiB) past which it is restarted
    /// between pages.
    #[arg(long, default_value_t = DEFAULT_RENDER_MEMORY_MIB, value_name = "MIB", value_parser = clap::value_parser!(u64).range(64..=1_048_576))]
    pub render_memory_mb: u64,
}

impl RenderArgs {
    /// The crawler's rendering settings.
    #[must_use]
    pub fn config(&self) -> RenderConfig {
        RenderConfig {
            mode: self.render,
            chromium: self.chromium.clone(),
            allow_hosts: self.render_allow_host.clone(),
            timeout: std::time::Duration::from_secs(self.render_timeout),
            max_renders: self.max_renders,
            memory_cap_bytes: self.render_memory_mb * 1024 * 1024,
            ..RenderConfig::default()
        }
    }
}

/// `portal-audit audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// CSV file with the header `id,name,kind,url` (kind: province, department,
    /// district, commune or tinh, so, huyen, xa; extra columns are kept, and a
    /// `checklist` column may name a checklist per site).
    #[arg(long, value_name = "FILE")]
    pub targets: PathBuf,
    /// Folder for the reports (scorecard.csv, findings.csv, missing.csv, changes.csv, matrix.csv,
    /// run.json); `{date}` is replaced by the audit date, e.g. `reports/{date}`.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Audit only shard K of N: a stable split of the targets by a hash of
    /// the site id (the same site always lands in the same shard). Each
    /// shard writes its own folder; `portal-audit merge` joins them.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::shard::Shard>,
    /// Go on with a run that was stopped (Ctrl-C, SIGTERM, a crash, a
    /// reboot): sites it finished are not crawled again. Give the same
    /// arguments as the first time.
    #[arg(long)]
    pub resume: bool,
    /// Run options.
    #[command(flatten)]
    pub options: RunOptions,
}

/// `portal-audit demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the scorecards.
    #[arg(long, default_value = "portal-audit-demo", value_name = "DIR")]
    pub out: PathBuf,
    /// Run options.
    #[command(flatten)]
    pub options: RunOptions,
}

/// `portal-audit checklist …`.
#[derive(Debug, Subcommand)]
pub enum ChecklistCommand {
    /// List the built-in checklists.
    List,
    /// Print a checklist's items with their legal bases and dates.
    Show {
        /// Built-in name or TOML file.
        name: String,
    },
    /// Validate a checklist file; exit 2 with file and line if it is wrong.
    Check {
        /// TOML file.
        path: PathBuf,
    },
}

/// A whole number from `min` to `max`: an absurd value is refused with a
/// message, never clamped and never left to panic deeper down.
fn count(min: u64, max: u64) -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(min..=max)
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "," => Ok(b','),
        ";" => Ok(b';'),
        "\\t" | "\t" | "tab" => Ok(b'\t'),
        _ => Err(format!(
            "`{s}` is not a CSV separator: use `,` or `;` (or tab)"
        )),
    }
}

/// Exactly `YYYY-MM-DD`: `20261128` is refused, not guessed at.
fn parse_date(s: &str) -> Result<Date, String> {
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format!("`{s}` is not a date written YYYY-MM-DD"));
    }
    s.parse::<Date>()
        .map_err(|e| format!("`{s}` is not a date (YYYY-MM-DD): {e}"))
}

/// The language and CSV settings of the files leaders read, shared by the
/// commands that write them.
#[derive(Debug, Args, Clone)]
pub struct FormatArgs {
    /// Language of every file leaders read (CSV, report.html): vi or en.
    /// Default: the checklist's language (vi for vn-gov-portal, en for
    /// us-federal). run.json is the same in both.
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// CSV field separator: `,` (default) or `;`, which Excel set to
    /// Vietnamese (decimal comma) opens as columns.
    #[arg(long, value_name = "CHAR", default_value = ",", value_parser = parse_delimiter)]
    pub csv_delimiter: u8,
    /// Write CSV files without the UTF-8 byte-order mark Excel needs.
    #[arg(long)]
    pub no_bom: bool,
}

impl FormatArgs {
    /// The outputs' options; their language is `--lang`, else `default`.
    #[must_use]
    pub fn report_options(&self, default: Lang) -> crate::report::ReportOptions {
        crate::report::ReportOptions {
            bom: !self.no_bom,
            lang: self.lang.unwrap_or(default),
            delimiter: self.csv_delimiter,
        }
    }
}

impl RunOptions {
    /// The date the audit is judged on: `--as-of`, else today.
    #[must_use]
    pub fn as_of(&self) -> Date {
        self.as_of.unwrap_or_else(today)
    }
}

fn today() -> Date {
    jiff::ZonedDateTime::now().date()
}
