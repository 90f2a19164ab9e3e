//! Helpers shared by the integration tests: serving fixture sites, auditing
//! them through the library, and running the built binary.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use jiff::civil::Date;
use portal_audit::audit::{Assignment, run_audit};
use portal_audit::checklist;
use portal_audit::crawl::{CrawlConfig, FetchConfig};
use portal_audit::fixture_server::{FIXTURE_AS_OF, FixtureSite, ServedSite, embedded_sites, serve};
use portal_audit::progress::Progress;
use portal_audit::run::AuditRun;

/// The fixture site with this id.
pub fn fixture(id: &str) -> FixtureSite {
    embedded_sites()
        .into_iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no fixture site {id}"))
}

/// Serves every given site.
pub async fn serve_all(sites: Vec<FixtureSite>) -> Vec<ServedSite> {
    let mut served = Vec::new();
    for site in sites {
        served.push(serve(site).await.expect("bind 127.0.0.1"));
    }
    served
}

/// Crawl settings for tests: the defaults, with short timeouts.
pub fn test_crawl_config() -> CrawlConfig {
    CrawlConfig {
        fetch: FetchConfig {
            user_agent: "portal-audit-tests/0 (+https://example.invalid/)".into(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: portal_audit::crawl::DEFAULT_MAX_BODY_BYTES,
            max_redirects: portal_audit::crawl::DEFAULT_MAX_REDIRECTS,
            insecure: false,
            retries: portal_audit::crawl::DEFAULT_RETRIES,
        },
        max_pages: portal_audit::crawl::DEFAULT_MAX_PAGES,
        max_depth: portal_audit::crawl::DEFAULT_MAX_DEPTH,
        per_host: portal_audit::crawl::DEFAULT_PER_HOST,
        concurrency: portal_audit::crawl::DEFAULT_CONCURRENCY,
        site_budget: Duration::from_secs(60),
        min_interval: Duration::ZERO,
        follow_start_redirects: false,
        exhaustive: false,
        render: portal_audit::crawl::RenderConfig::default(),
    }
}

/// The date the fixtures' expectations are written for.
pub fn fixture_date() -> Date {
    FIXTURE_AS_OF.parse().expect("fixture date")
}

/// Audits served sites with the default checklist through the library, as
/// of the fixtures' date.
pub async fn audit_served(served: &[ServedSite]) -> AuditRun {
    audit_served_on(served, fixture_date()).await
}

/// Audits served sites with the default checklist, judged on `as_of`.
pub async fn audit_served_on(served: &[ServedSite], as_of: Date) -> AuditRun {
    audit_served_with(served, as_of, test_crawl_config()).await
}

/// Audits served sites with the default checklist and `config`, judged on
/// `as_of`.
pub async fn audit_served_with(
    served: &[ServedSite],
    as_of: Date,
    config: CrawlConfig,
) -> AuditRun {
    let default = Arc::new(checklist::load("vn-gov-portal").expect("built-in checklist"));
    let assignments = served
        .iter()
        .map(|s| {
            let target = s.target();
            let checklist = match &target.checklist {
                Some(name) => Arc::new(checklist::load(name).expect("fixture's checklist")),
                None => Arc::clone(&default),
            };
            Assignment { target, checklist }
        })
        .collect();
    run_audit(
        assignments,
        config,
        as_of,
        &Progress::hidden(),
        tokio_util::sync::CancellationToken::new(),
    )
    .await
    .expect("audit runs")
}

/// Runs the built binary with `args` in `dir`, off the async runtime.
pub async fn run_binary<S: AsRef<str>>(args: impl IntoIterator<Item = S>, dir: &Path) -> Output {
    run_binary_with(args, dir, &[]).await
}

/// [`run_binary`] with extra environment variables (the test hooks).
pub async fn run_binary_with<S: AsRef<str>>(
    args: impl IntoIterator<Item = S>,
    dir: &Path,
    env: &[(&str, &str)],
) -> Output {
    let args: Vec<String> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_portal-audit"))
            .args(&args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .envs(env)
            .output()
            .expect("run portal-audit")
    })
    .await
    .expect("join")
}

/// Reads a CSV written by the tool (BOM tolerated) into header-keyed rows.
pub fn read_csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// Writes `T.csv` in `dir`: one target per served site, named by its id.
pub fn write_targets(dir: &Path, served: &[ServedSite]) {
    let mut csv = String::from("id,name,kind,url\n");
    for s in served {
        let t = s.target();
        let row = [
            t.id.as_str(),
            t.id.as_str(),
            t.kind.as_str(),
            t.url.as_str(),
        ];
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    std::fs::write(dir.join("T.csv"), csv).unwrap();
}
