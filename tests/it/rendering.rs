//! Issue #15: portals whose menus, footers or content are built by
//! JavaScript are judged as a visitor sees them, in headless Chromium, with
//! every request the page makes held to the crawler's own rules. The three
//! fixture sites are copies of server-rendered ones with the same
//! `expected.csv`: once rendered they must give exactly those findings.
//! These tests need Chromium, which `.ci/run` installs; they are not
//! skipped without it (one of them hides it on purpose).

use std::collections::HashMap;
use std::path::Path;

use portal_audit::fixture_server::{FIXTURE_AS_OF, ServedSite};
use serde_json::Value;

use crate::support::{fixture, run_binary_with, serve_all, write_targets};

/// The fixture sites built by JavaScript: the menu and footer from a JSON
/// file; a home page filled after a 500 ms timer; a footer by script and a
/// widget from a second loopback host.
const BUILT_BY_SCRIPT: [&str; 3] = [
    "so-menu-javascript",
    "so-noi-dung-hen-gio",
    "so-tien-ich-ngoai",
];

/// Audits the served sites with the built binary into `dir/out`, with
/// `extra` arguments (and `env`), and reads back its `run.json`.
async fn audit(
    served: &[ServedSite],
    dir: &Path,
    out: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Value, String) {
    write_targets(dir, served);
    let mut args = vec![
        "audit",
        "--targets",
        "T.csv",
        "--out",
        out,
        "--as-of",
        FIXTURE_AS_OF,
    ];
    args.extend_from_slice(extra);
    let output = run_binary_with(&args, dir, env).await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = std::fs::read(dir.join(out).join("run.json")).expect("run.json");
    (
        serde_json::from_slice(&json).expect("run.json parses"),
        stdout,
    )
}

/// Each site's findings: item id → (status, evidence).
fn findings(run: &Value) -> HashMap<String, HashMap<String, (String, String)>> {
    run["sites"]
        .as_array()
        .expect("sites")
        .iter()
        .map(|site| {
            let items = site["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| {
                    let text = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
                    (text("item_id"), (text("status"), text("evidence")))
                })
                .collect();
            (site["id"].as_str().expect("id").to_owned(), items)
        })
        .collect()
}

fn notes(run: &Value, site: &str) -> String {
    let site = run["sites"]
        .as_array()
        .expect("sites")
        .iter()
        .find(|s| s["id"] == site)
        .expect("site in run.json");
    site["notes"].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sites_built_by_javascript_are_judged_rendered_and_say_so_when_rendering_is_off() {
    let served = serve_all(BUILT_BY_SCRIPT.map(fixture).to_vec()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (auto, _) = audit(&served, dir.path(), "auto", &["--render", "auto"], &[]).await;
    assert_eq!(auto["render"]["mode"], "auto");
    assert!(auto["render"]["browser"].is_string(), "{}", auto["render"]);
    let rendered = findings(&auto);
    let mut mismatches = Vec::new();
    for s in &served {
        let site = &rendered[&s.site.id];
        for (item, expected) in &s.site.expected {
            let (status, evidence) = &site[item];
            if *status != expected.to_string() {
                mismatches.push(format!(
                    "{}/{item}: expected {expected}, got {status} ({evidence})",
                    s.site.id
                ));
            }
        }
        let crawl = &auto["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == *s.site.id)
            .unwrap()["crawl"]["render"];
        assert!(
            crawl["rendered"].as_u64().unwrap() > 0,
            "{}: {crawl}",
            s.site.id
        );
        assert!(notes(&auto, &s.site.id).contains("rendered in a browser"));
    }
    assert!(
        mismatches.is_empty(),
        "with --render auto:\n{}",
        mismatches.join("\n")
    );
    let menu_site = &rendered["so-menu-javascript"];
    assert!(
        menu_site
            .values()
            .any(|(status, evidence)| status == "present" && evidence.contains("(rendered)")),
        "evidence from the rendered DOM says so: {menu_site:?}"
    );

    let (never, stdout) = audit(&served, dir.path(), "never", &["--render", "never"], &[]).await;
    assert_eq!(never["render"]["mode"], "never");
    assert_eq!(never["render"]["pages_rendered"], 0);
    assert!(never["render"]["pages_not_rendered"].as_u64().unwrap() > 0);
    assert!(
        stdout.contains("--render never"),
        "the summary says rendering was off:\n{stdout}"
    );
    let unrendered = findings(&never);
    for id in BUILT_BY_SCRIPT {
        assert!(
            notes(&never, id).contains("rendering is off (--render never)"),
            "{id}: {}",
            notes(&never, id)
        );
    }
    // The menu and footer of so-menu-javascript exist only once scripts
    // ran: what they show comes out missing, and says why.
    let lost: Vec<&String> = rendered["so-menu-javascript"]
        .iter()
        .filter(|(item, (status, _))| {
            status == "present" && unrendered["so-menu-javascript"][*item].0 == "missing"
        })
        .map(|(item, _)| item)
        .collect();
    assert!(
        lost.len() >= 5,
        "menu items lost without rendering: {lost:?}"
    );
    for item in &lost {
        let evidence = &unrendered["so-menu-javascript"][*item].1;
        assert!(
            evidence.contains("not rendered: rendering is off (--render never)"),
            "{item}: {evidence}"
        );
    }
    println!("present once rendered, missing without: {lost:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_never_reach_another_host_unless_it_is_allowed() {
    let served = serve_all(vec![fixture("so-tien-ich-ngoai")]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    // The browser's profile goes in TMPDIR, and must be gone after the run.
    let tmp = tempfile::tempdir().expect("a TMPDIR of its own");
    let env = [("TMPDIR", tmp.path().to_str().expect("utf-8 path"))];
    let (blocked, _) = audit(&served, dir.path(), "blocked", &[], &env).await;
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "the browser left files behind: {left:?}");
    assert!(blocked["render"]["pages_rendered"].as_u64().unwrap() > 0);
    assert!(
        served[0].second_host_requests().is_empty(),
        "127.0.0.2 got requests: {:?}",
        served[0].second_host_requests()
    );
    assert!(blocked["render"]["requests_blocked"].as_u64().unwrap() > 0);
    assert!(
        notes(&blocked, "so-tien-ich-ngoai").contains("127.0.0.2"),
        "the notes name the blocked host: {}",
        notes(&blocked, "so-tien-ich-ngoai")
    );
    // What the crawler fetched for the rendered pages went through its own
    // request log: nothing reached the site that it would not ask for.
    let requests = served[0].requests();
    assert!(
        requests.iter().any(|r| r == "/js/footer.js"),
        "{requests:?}"
    );

    let allow = ["--render-allow-host", "127.0.0.2"];
    let (allowed, _) = audit(&served, dir.path(), "allowed", &allow, &[]).await;
    let widget = served[0].second_host_requests();
    assert!(
        widget.iter().any(|r| r == "/widget.js"),
        "with --render-allow-host the widget loads: {widget:?}"
    );
    assert_eq!(
        findings(&allowed),
        findings(&blocked),
        "the widget changes no finding"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_chromium_the_run_completes_and_says_why_nothing_was_rendered() {
    let served = serve_all(vec![fixture("so-menu-javascript")]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = tempfile::tempdir().expect("an empty PATH");
    let path = empty.path().to_str().expect("utf-8 path");
    let (run, stdout) = audit(&served, dir.path(), "out", &[], &[("PATH", path)]).await;
    assert_eq!(
        run["render"]["unavailable"], "no_chromium",
        "{}",
        run["render"]
    );
    assert_eq!(run["render"]["pages_rendered"], 0);
    assert!(stdout.contains("Chromium"), "{stdout}");
    let notes = notes(&run, "so-menu-javascript");
    assert!(notes.contains("Chromium not installed"), "{notes}");
    let site = &findings(&run)["so-menu-javascript"];
    // Those searched for on the pages (not the site checks such as the
    // .gov.vn domain) say why the search may have fallen short.
    let missing: Vec<_> = site
        .values()
        .filter(|(s, evidence)| s == "missing" && evidence.starts_with("not found in"))
        .collect();
    assert!(!missing.is_empty());
    for (_, evidence) in missing {
        assert!(
            evidence.contains("not rendered: Chromium not installed"),
            "{evidence}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_rendered_site_is_not_rendered_under_auto() {
    let served = serve_all(vec![fixture("so-tu-phap-day-du"), fixture("so-nukeviet")]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (run, _) = audit(&served, dir.path(), "out", &["--render", "auto"], &[]).await;
    assert_eq!(
        run["render"]["pages_needing_render"], 0,
        "{}",
        run["render"]
    );
    assert_eq!(run["render"]["pages_rendered"], 0);
    assert!(run["render"]["browser"].is_null(), "no browser was started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_script_costs_its_page_never_the_run() {
    use portal_audit::fixture_server::FixtureSite;
    use portal_audit::target::SiteKind;
    let shell = |script: &str| {
        format!(
            r#"<!doctype html><html lang="vi"><head><title>Sở thử nghiệm</title></head><body><div id="app"></div><script>{script}</script></body></html>"#
        )
        .into_bytes()
    };
    let hangs = FixtureSite::in_memory(
        "treo",
        SiteKind::Department,
        vec![("index.html", shell("while (true) {}"))],
    );
    let polls = FixtureSite::in_memory(
        "hoi-lien-tuc",
        SiteKind::Department,
        vec![(
            "index.html",
            shell("setInterval(() => fetch('/api/tin?' + Math.random()), 5);"),
        )],
    );
    let served = serve_all(vec![hangs, polls, fixture("so-noi-dung-hen-gio")]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let args = ["--render-timeout", "3"];
    let (run, _) = audit(&served, dir.path(), "out", &args, &[]).await;
    let site = |id: &str| {
        run["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()
            .clone()
    };
    // A script that never yields times the render out: the page is judged
    // from its HTML, and the site says why.
    let hung = site("treo");
    assert_eq!(hung["status"], "ok", "{hung}");
    assert_eq!(hung["crawl"]["render"]["rendered"], 0);
    assert_eq!(hung["crawl"]["render"]["why_not"], "browser_failed");
    assert!(notes(&run, "treo").contains("the browser failed or timed out"));
    // A script that asks the site for ever is refused past 100 requests.
    let polling = site("hoi-lien-tuc");
    assert_eq!(polling["status"], "ok", "{polling}");
    assert!(
        polling["crawl"]["render"]["requests_blocked"]
            .as_u64()
            .unwrap()
            > 0
    );
    let polled = served[1]
        .requests()
        .iter()
        .filter(|r| r.starts_with("/api/tin"))
        .count();
    assert!(
        polled <= 100,
        "a polling page gets at most 100 requests: {polled}"
    );
    // The browser that hung on one page still renders the next site's.
    assert!(
        site("so-noi-dung-hen-gio")["crawl"]["render"]["rendered"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_over_its_memory_cap_is_replaced_between_pages() {
    // A cap no browser can stay under: a fresh browser every time the
    // memory is read (every 5 pages). The pages are rendered all the same,
    // and the findings do not change.
    let served = serve_all(vec![fixture("so-tien-ich-ngoai")]).await;
    let mut config = crate::support::test_crawl_config();
    config.render.memory_cap_bytes = 1;
    let run =
        crate::support::audit_served_with(&served, crate::support::fixture_date(), config).await;
    let site = run.sites.get(0).expect("one site");
    assert!(site.crawl.render.rendered > 1, "{:?}", site.crawl.render);
    assert_eq!(site.crawl.render.not_rendered, 0, "{:?}", site.crawl.render);
    for (item, expected) in &served[0].site.expected {
        let finding = site.findings.iter().find(|f| *f.item_id == **item).unwrap();
        assert_eq!(finding.status, *expected, "{item}: {}", finding.evidence);
    }
}
