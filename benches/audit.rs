//! The audit benchmark: S synthetic agency sites of P pages each, served on
//! loopback by a child process (so the server's CPU is not counted), audited
//! with the default checklist. Reports pages/s, CPU per page, peak RSS, and
//! the bare cost of parsing the same pages with scraper alone.
//!
//! Run: `cargo bench --bench audit -- --sites 20 --pages 500 [--runs 3]`
//! Slow hosts: `cargo bench --bench audit -- --sites 20 --pages 50 --latency-ms 200 --per-host 2`
//! The crawl that reads every page (the old default): add `--exhaustive`.
//! Structure-first against exhaustive (issue #16):
//! `cargo bench --bench audit -- --compare --sites 20 --pages 500 --latency-ms 200 --per-host 2`
//! audits the same sites with `--exhaustive --max-pages 1000` and with the
//! default crawl, and reports the agreement of the verdicts, the pages
//! fetched per site and the wall times.
//!
//! The audit runs `--runs` times (3 by default) and the median is reported
//! with the range: on a shared machine one run can be 10% off.
//!
//! Linux only: CPU time and peak RSS are read from /proc.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use portal_audit::audit::{Assignment, run_audit};
use portal_audit::crawl::{CrawlConfig, FetchConfig};
use portal_audit::progress::Progress;
use portal_audit::target::{SiteKind, Target};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Sections linked from every page's main menu.
const SECTIONS: usize = 40;

struct Options {
    sites: usize,
    pages: usize,
    latency_ms: u64,
    per_host: usize,
    runs: usize,
    serve: bool,
    exhaustive: bool,
    compare: bool,
    /// `--render-always`: every page rendered in Chromium (up to
    /// `--max-renders` = the page count), to price a rendered page.
    render_always: bool,
}

fn options() -> Options {
    let mut o = Options {
        sites: 20,
        pages: 500,
        latency_ms: 0,
        per_host: 8,
        runs: 3,
        serve: false,
        exhaustive: false,
        compare: false,
        render_always: false,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = || {
            args.get(i + 1)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        match args[i].as_str() {
            "--sites" => o.sites = usize::try_from(value()).unwrap_or(1),
            "--pages" => o.pages = usize::try_from(value()).unwrap_or(1),
            "--latency-ms" => o.latency_ms = value(),
            "--per-host" => o.per_host = usize::try_from(value()).unwrap_or(1),
            "--runs" => o.runs = usize::try_from(value()).unwrap_or(1).max(1),
            "--serve" => {
                o.serve = true;
                i -= 1;
            }
            "--exhaustive" => {
                o.exhaustive = true;
                i -= 1;
            }
            "--compare" => {
                o.compare = true;
                i -= 1;
            }
            "--render-always" => {
                o.render_always = true;
                i -= 1;
            }
            _ => {
                i -= 1; // cargo bench passes --bench; ignore unknown flags
            }
        }
        i += 2;
    }
    o
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if o.serve {
        runtime.block_on(serve(o));
    } else {
        runtime.block_on(bench(o));
    }
}

/// Deterministic pseudo-random numbers (a 64-bit LCG).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

const WORDS: &[&str] = &[
    "Ủy ban nhân dân",
    "tỉnh",
    "triển khai",
    "kế hoạch",
    "công tác",
    "cải cách hành chính",
    "chuyển đổi số",
    "người dân",
    "doanh nghiệp",
    "hội nghị",
    "tổng kết",
    "năm 2026",
    "phát triển",
    "kinh tế",
    "xã hội",
    "an sinh",
    "giáo dục",
    "y tế",
    "nông nghiệp",
    "hạ tầng",
    "giao thông",
    "đầu tư",
    "văn bản",
    "hướng dẫn",
];

const SLUGS: &[&str] = &[
    "hoi-nghi",
    "trien-khai",
    "cong-tac",
    "chuyen-doi-so",
    "cai-cach",
    "hanh-chinh",
    "nguoi-dan",
    "doanh-nghiep",
    "tong-ket",
    "phat-trien",
    "kinh-te",
    "xa-hoi",
    "giao-duc",
    "y-te",
    "nong-nghiep",
    "ha-tang",
    "giao-thong",
];

/// The address of article `c`: a headline slug, as real portals have (so
/// articles do not all share one URL shape).
fn article_path(c: usize) -> String {
    let word = |k: usize| SLUGS[(c / k.max(1) + k * 7) % SLUGS.len()];
    format!("/bai/{}-{}-{}/{c}.html", word(1), word(3), word(17))
}

const SECTION_LABELS: &[&str] = &[
    "Giới thiệu",
    "Chức năng, nhiệm vụ",
    "Cơ cấu tổ chức",
    "Lãnh đạo Sở",
    "Tin tức - Sự kiện",
    "Văn bản",
    "Thủ tục hành chính",
    "Dịch vụ công trực tuyến",
    "Hỏi đáp",
    "Liên hệ",
    "Lịch công tác",
    "Chỉ đạo điều hành",
];

/// The head a portal CMS writes on every page: style sheets, scripts, an
/// inline theme and a configuration object (about 9 KB).
fn cms_head() -> String {
    let mut head = String::new();
    for k in 0..5 {
        let _ = write!(
            head,
            "<link rel=\"stylesheet\" href=\"/themes/portal/css/style-{k}.css?v=20261101\">"
        );
    }
    head.push_str("<style>");
    for k in 0..40 {
        let _ = write!(
            head,
            ".portlet-{k} .title{{color:#1a4f8b;font-weight:700;margin:0 0 8px;padding:6px 10px;border-bottom:2px solid #c00}}"
        );
    }
    head.push_str("</style><script>window.portalConfig = {");
    for k in 0..60 {
        let _ = write!(
            head,
            "\"widget{k}\":{{\"id\":{k},\"visible\":true,\"cache\":300}},"
        );
    }
    head.push_str("\"lang\":\"vi\"};</script>");
    for k in 0..6 {
        let _ = write!(
            head,
            "<script src=\"/themes/portal/js/lib-{k}.js\"></script>"
        );
    }
    head.push_str("<script>(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){(i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)})(window,document,'script','/analytics.js','ga');</script>");
    head
}

/// Page `index` of a synthetic site: 40–120 KB (about 75 KB on average) of
/// boilerplate-heavy HTML. Page 0 is the home page; 1..=40 are sections; the
/// rest are articles, 12 under each section. Some sections are missing on
/// purpose (odd sites lack budget and statistics).
fn page(index: usize, pages: usize) -> String {
    let mut rng = Lcg(index as u64 * 7919 + 17);
    let mut html = String::with_capacity(128 * 1024);
    html.push_str("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">");
    html.push_str(&cms_head());
    let _ = write!(
        html,
        "<title>Trang {index} - Sở Mẫu</title><meta name=\"DC.title\" content=\"Trang {index}\"></head><body>"
    );
    html.push_str("<header><img src=\"/logo.png\" alt=\"logo\"><h1>SỞ MẪU TỈNH THỬ NGHIỆM</h1><form action=\"/tim-kiem\"><input name=\"keyword\"></form></header><nav><ul>");
    for s in 1..=SECTIONS {
        let label = SECTION_LABELS.get(s - 1).copied().unwrap_or("Chuyên mục");
        let _ = write!(
            html,
            "<li class=\"menu-item menu-item-type-taxonomy menu-item-has-children\" id=\"menu-item-{s}\"><a class=\"nav-link\" data-id=\"{s}\" href=\"/chuyen-muc/{s}.html\">{label} {s}</a><ul class=\"sub-menu\">"
        );
        for k in 0..6 {
            let _ = write!(
                html,
                "<li class=\"menu-item\"><a href=\"/chuyen-muc/{s}.html#m{k}\">Mục con {k} của {label}</a></li>"
            );
        }
        html.push_str("</ul></li>");
    }
    html.push_str("</ul></nav><aside class=\"sidebar\"><h3>Tin mới</h3><ul>");
    for k in 0..30 {
        let target = SECTIONS + 1 + (index * 3 + k) % pages.saturating_sub(SECTIONS + 1).max(1);
        let _ = write!(
            html,
            "<li><a href=\"{}\">Tin số {target}: hội nghị triển khai công tác năm 2026</a> <span>{:02}/11/2026</span></li>",
            article_path(target),
            1 + k % 27
        );
    }
    html.push_str("</ul><h3>Văn bản mới</h3><ul class=\"document-list\">");
    for k in 0..15 {
        let _ = write!(
            html,
            "<li class=\"document-item\"><a href=\"/van-ban/{k}.html\" title=\"Quyết định số {k}/QĐ-UBND\">Quyết định số {k}/QĐ-UBND ngày {:02}/10/2026 của Ủy ban nhân dân tỉnh về việc ban hành kế hoạch thực hiện</a></li>",
            1 + k
        );
    }
    html.push_str("</ul><h3>Liên kết website</h3><select>");
    for k in 0..40 {
        let _ = write!(
            html,
            "<option value=\"https://so{k}.mau.gov.vn\">Sở ngành số {k}</option>"
        );
    }
    html.push_str("</select></aside><main>");
    let children: Vec<usize> = if index == 0 {
        (1..=SECTIONS).collect()
    } else if index <= SECTIONS {
        (0..12)
            .map(|k| SECTIONS + 1 + (index - 1) * 12 + k)
            .filter(|&c| c < pages)
            .collect()
    } else {
        Vec::new()
    };
    for c in &children {
        let _ = write!(
            html,
            "<article><a href=\"{}\">Bài viết số {c}</a><p>Ngày {:02}/11/2026</p></article>",
            article_path(*c),
            1 + c % 27
        );
    }
    let paragraphs = 20 + rng.next() % 60;
    for _ in 0..paragraphs {
        html.push_str("<p>");
        for _ in 0..40 {
            html.push_str(WORDS[usize::try_from(rng.next()).unwrap_or(0) % WORDS.len()]);
            html.push(' ');
        }
        html.push_str("</p>");
    }
    html.push_str("</main><footer><p>Cơ quan chủ quản: Sở Mẫu. Địa chỉ: 12 Đường Thử, Phường Một, Tỉnh Thử Nghiệm.</p>");
    html.push_str("<p>Điện thoại: (0208) 3855 724 - Email: somau@mau.gov.vn. Chịu trách nhiệm chính: Ông Nguyễn Văn Mẫu.</p><ul class=\"footer-units\">");
    for k in 0..12 {
        let _ = write!(
            html,
            "<li class=\"unit\"><strong>Chi cục số {k}</strong><span>Địa chỉ: số {k} đường Thử Nghiệm, phường Một, tỉnh Thử Nghiệm. Điện thoại: (0208) 3855 {k:03}</span></li>"
        );
    }
    html.push_str("</ul></footer></body></html>");
    html
}

fn page_index(path: &str) -> Option<usize> {
    if path == "/" {
        return Some(0);
    }
    let stem = path.strip_suffix(".html")?;
    let number = stem.rsplit('/').next()?.parse().ok()?;
    Some(number)
}

/// Child process: serve every site from one cache of page bodies, print the
/// ports, and run until killed.
async fn serve(o: Options) {
    let bodies: Arc<Vec<Bytes>> = Arc::new(
        (0..o.pages)
            .map(|i| Bytes::from(page(i, o.pages)))
            .collect(),
    );
    let mut ports = Vec::new();
    for _ in 0..o.sites {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        ports.push(listener.local_addr().unwrap().port());
        let bodies = Arc::clone(&bodies);
        let latency = Duration::from_millis(o.latency_ms);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let bodies = Arc::clone(&bodies);
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                        let bodies = Arc::clone(&bodies);
                        async move {
                            if !latency.is_zero() {
                                tokio::time::sleep(latency).await;
                            }
                            let body = page_index(request.uri().path())
                                .and_then(|i| bodies.get(i).cloned());
                            let response = match body {
                                Some(b) => Response::builder()
                                    .header("content-type", "text/html; charset=utf-8")
                                    .body(Full::new(b)),
                                None => Response::builder()
                                    .status(404)
                                    .body(Full::new(Bytes::from_static(b"not found"))),
                            };
                            Ok::<_, Infallible>(response.unwrap())
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    }
    println!(
        "{}",
        ports
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    std::future::pending::<()>().await;
}

/// CPU seconds (user + system) of this process, from /proc/self/stat.
/// CPU seconds of the calling thread, to the nanosecond (Linux schedstat);
/// for the single-threaded baselines, where clock ticks are too coarse.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or_else(cpu_seconds, |ns| ns / 1e9)
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident set size in MB, from /proc/self/status (VmHWM).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn range(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        })
}

/// The bare parse cost: scraper parses each page, selects its links and walks
/// its text, on one thread. Seconds of CPU per page, one figure per round.
fn bare_parse_seconds(pages: usize, rounds: usize) -> (Vec<f64>, f64) {
    let bodies: Vec<String> = (0..pages.min(500)).map(|i| page(i, pages)).collect();
    let average_kb =
        bodies.iter().map(String::len).sum::<usize>() as f64 / bodies.len() as f64 / 1024.0;
    let links = scraper::Selector::parse("a[href]").unwrap();
    let mut sink = 0usize;
    let per_page = (0..rounds)
        .map(|_| {
            let start = thread_cpu_seconds();
            for body in &bodies {
                let document = scraper::Html::parse_document(body);
                sink += document.select(&links).count();
                sink += document.root_element().text().map(str::len).sum::<usize>();
            }
            (thread_cpu_seconds() - start) / bodies.len() as f64
        })
        .collect();
    assert!(sink > 0);
    (per_page, average_kb)
}

/// Thread CPU seconds per item of `work` over `items`: the fastest of five
/// rounds, so a noisy neighbour on a shared machine inflates it less.
fn per_page<T>(items: &[T], mut work: impl FnMut(&T)) -> f64 {
    (0..5)
        .map(|_| {
            let start = thread_cpu_seconds();
            items.iter().for_each(&mut work);
            (thread_cpu_seconds() - start) / items.len() as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// CPU per page of the two stages that run on every page, single-threaded:
/// extraction (parse and walk) and evaluation (matching).
fn stage_costs(pages: usize) {
    use portal_audit::evaluate::{PageContext, observe_page};
    use portal_audit::extract::{RunSet, extract};
    let checklist = portal_audit::checklist::load("vn-gov-portal").unwrap();
    let base: url::Url = "http://127.0.0.1:1/".parse().unwrap();
    let scope = portal_audit::site::Scope::of(&base);
    let bodies: Vec<String> = (0..pages.min(300)).map(|i| page(i, pages)).collect();
    // As in an audit: the home page is extracted whole and becomes the
    // chrome the other pages are extracted against.
    let home = extract(&bodies[0], &base, &checklist.selectors, &[], None);
    let chrome = RunSet::of(&home);
    let parse = per_page(&bodies, |b| drop(scraper::Html::parse_document(b)));
    let extract_cost = per_page(&bodies, |b| {
        drop(extract(b, &base, &checklist.selectors, &[], Some(&chrome)));
    });
    let facts: Vec<_> = bodies
        .iter()
        .map(|b| extract(b, &base, &checklist.selectors, &[], Some(&chrome)))
        .collect();
    let pages: Vec<_> = bodies
        .iter()
        .map(|b| portal_audit::page::Page {
            requested: base.clone(),
            url: base.clone(),
            depth: 1,
            outcome: portal_audit::page::PageOutcome::Html {
                status: 200,
                body: b.clone(),
                rendered: false,
            },
        })
        .collect();
    let cx = PageContext {
        chrome: Some(&chrome),
        not_found: None,
        scope: &scope,
        as_of: "2026-11-28".parse().unwrap(),
        settled: &[],
        main_language: Some("vi"),
    };
    let indexes: Vec<usize> = (0..pages.len()).collect();
    let observe = per_page(&indexes, |&i| {
        drop(observe_page(&checklist, &pages[i], Some(&facts[i]), cx));
    });
    println!(
        "  stages (one thread)  extract {:.3} ms (parse {:.3}, walk {:.3}), evaluate {:.3} ms per page",
        extract_cost * 1000.0,
        parse * 1000.0,
        (extract_cost - parse) * 1000.0,
        observe * 1000.0
    );
}

async fn bench(o: Options) {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "--serve",
            "--sites",
            &o.sites.to_string(),
            "--pages",
            &o.pages.to_string(),
            "--latency-ms",
            &o.latency_ms.to_string(),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the page server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ports: Vec<u16> = line
        .trim()
        .split(',')
        .filter_map(|p| p.parse().ok())
        .collect();

    let checklist = Arc::new(portal_audit::checklist::load("vn-gov-portal").unwrap());
    let assignments = || {
        ports
            .iter()
            .enumerate()
            .map(|(i, port)| Assignment {
                target: Target {
                    id: format!("site{i}"),
                    name: format!("Site {i}"),
                    kind: SiteKind::Department,
                    url: format!("http://127.0.0.1:{port}/").parse().unwrap(),
                    checklist: None,
                    extra: Vec::new(),
                },
                checklist: Arc::clone(&checklist),
            })
            .collect::<Vec<_>>()
    };
    let config = CrawlConfig {
        fetch: FetchConfig {
            user_agent: "portal-audit-bench".into(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: portal_audit::crawl::DEFAULT_MAX_BODY_BYTES,
            max_redirects: 10,
            insecure: false,
            retries: 0,
        },
        max_pages: o.pages,
        max_depth: 3,
        per_host: o.per_host,
        concurrency: 256,
        site_budget: Duration::from_secs(3600),
        min_interval: Duration::ZERO,
        follow_start_redirects: false,
        exhaustive: o.exhaustive,
        render: if o.render_always {
            portal_audit::crawl::RenderConfig {
                mode: portal_audit::crawl::RenderMode::Always,
                max_renders: o.pages,
                ..Default::default()
            }
        } else {
            portal_audit::crawl::RenderConfig::default()
        },
    };
    if o.compare {
        compare(&o, &assignments, &config).await;
        let _ = child.kill();
        let _ = child.wait();
        return;
    }
    // The same audit `runs` times; the median of each figure is reported,
    // with its range, because a shared machine's speed drifts by ±10%.
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut last = None;
    // Only when rendering: reading /proc 20 times a second costs this
    // process CPU time the page figures would count.
    let tree = o.render_always.then(|| TreeSampler::start(child.id()));
    for _ in 0..o.runs {
        let cpu_before = cpu_seconds();
        let started = Instant::now();
        let run = run_audit(
            assignments(),
            config.clone(),
            "2026-11-28".parse().unwrap(),
            &Progress::hidden(),
            CancellationToken::new(),
        )
        .await
        .unwrap();
        walls.push(started.elapsed().as_secs_f64());
        let pages: usize = run.sites.iter().map(|s| s.unwrap().pages_crawled).sum();
        cpus.push((cpu_seconds() - cpu_before) / pages as f64);
        last = Some(run);
    }
    let run = last.expect("at least one run");
    let tree = tree.map(TreeSampler::stop);
    let _ = child.kill();
    let _ = child.wait();
    // Peak RSS of the audit alone: read before the baselines below load pages.
    let peak_rss = peak_rss_mb();
    let (parses, average_kb) = bare_parse_seconds(o.pages, o.runs);
    let pages: usize = run.sites.iter().map(|s| s.unwrap().pages_crawled).sum();
    let (wall, cpu_per_page, parse_per_page) = (median(&walls), median(&cpus), median(&parses));
    let ms = |v: &[f64]| {
        let (lo, hi) = range(v);
        format!("{:.3}-{:.3}", lo * 1000.0, hi * 1000.0)
    };
    println!(
        "portal-audit benchmark: {} sites x {} pages (avg {:.0} KB/page), latency {} ms, per-host {}, median of {} runs",
        o.sites, o.pages, average_kb, o.latency_ms, o.per_host, o.runs
    );
    println!("  pages audited        {pages} per run");
    println!("  wall time            {wall:.2} s");
    let (slowest, fastest) = range(&walls);
    println!(
        "  throughput           {:.0} pages/s (runs: {:.0}-{:.0})   (target >= 2000 with no latency)",
        pages as f64 / wall,
        pages as f64 / fastest,
        pages as f64 / slowest
    );
    println!(
        "  audit CPU per page   {:.3} ms (runs: {} ms, server excluded)",
        cpu_per_page * 1000.0,
        ms(&cpus)
    );
    println!(
        "  bare scraper parse   {:.3} ms per page (rounds: {} ms; parse + links + text, one thread)",
        parse_per_page * 1000.0,
        ms(&parses)
    );
    println!(
        "  audit / parse ratio  {:.2}   (target <= 2.0)",
        cpu_per_page / parse_per_page
    );
    println!("  peak RSS             {peak_rss:.0} MB   (target <= 150 MB at 10,000 pages)");
    let render = run.sites.render_totals().unwrap();
    if let Some((tree_peak_mb, browser_cpu, sampler_cpu)) = tree {
        let runs_pages = (pages * o.runs) as f64;
        println!(
            "  audit CPU, sampler   {:.1} ms a page once the memory sampler's {sampler_cpu:.2} s are taken out",
            (median(&cpus) * runs_pages - sampler_cpu).max(0.0) * 1000.0 / runs_pages
        );
        println!(
            "  rendered pages       {} of {pages} per run, {:.2} s rendering in the last run ({:.0} ms a page)",
            render.rendered,
            render.millis as f64 / 1000.0,
            render.millis as f64 / render.rendered.max(1) as f64
        );
        println!(
            "  browser CPU          {:.3} s over all runs ({:.1} ms a rendered page; Chromium's processes, not counted above)",
            browser_cpu,
            browser_cpu * 1000.0 / (render.rendered.max(1) * o.runs) as f64
        );
        println!(
            "  peak tree memory     {tree_peak_mb:.0} MB (PSS of this process and its children, Chromium included, the server excluded)"
        );
    }
    stage_costs(o.pages);
    if o.latency_ms > 0 {
        let bound = o.pages as f64 * o.latency_ms as f64 / 1000.0 / o.per_host as f64;
        println!(
            "  politeness bound     {bound:.2} s; wall / bound = {:.2}   (target <= 1.2)",
            wall / bound
        );
    }
    let failed: Vec<_> = run
        .sites
        .iter()
        .map(Result::unwrap)
        .filter(|s| s.status.code() != "ok")
        .map(|s| s.status.code())
        .collect();
    if !failed.is_empty() {
        println!("  WARNING: {} sites failed: {failed:?}", failed.len());
    }
}

/// Samples, every 200 ms until stopped, the memory of this process and its
/// descendants (Chromium's processes included) but for the page server,
/// as the sum of their proportional set sizes, and the CPU time of the
/// descendants: the cost of rendering that this process's own CPU time does
/// not show.
struct TreeSampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<(f64, f64, f64)>,
}

impl TreeSampler {
    fn start(server: u32) -> Self {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let (mut peak, mut cpu) = (0u64, std::collections::HashMap::new());
            while !flag.load(Ordering::Relaxed) {
                let (memory, ticks) = tree_sample(std::process::id(), server);
                peak = peak.max(memory);
                for (pid, t) in ticks {
                    let seen: &mut u64 = cpu.entry(pid).or_default();
                    *seen = (*seen).max(t);
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            let ticks: u64 = cpu.values().sum();
            (
                peak as f64 / 1_048_576.0,
                ticks as f64 / 100.0,
                own_thread_cpu_seconds(),
            )
        });
        Self { stop, thread }
    }

    /// Peak memory in MB, the descendants' CPU seconds, and the sampler's
    /// own (to take out of this process's).
    fn stop(self) -> (f64, f64, f64) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

/// CPU seconds of the calling thread.
fn own_thread_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let rest = stat.rfind(')').map_or("", |i| &stat[i + 1..]);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (num(11) + num(12)) as f64 / 100.0
}

/// PSS of `root` and its descendants but `server`'s tree, in bytes; and
/// each descendant's CPU ticks (user + system) so far.
fn tree_sample(root: u32, server: u32) -> (u64, Vec<(u32, u64)>) {
    let mut parent = std::collections::HashMap::new();
    let mut ticks = std::collections::HashMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        parent.insert(pid, num(1) as u32);
        ticks.insert(pid, num(11) + num(12));
    }
    let in_tree = |mut pid: u32| {
        for _ in 0..64 {
            if pid == server {
                return false;
            }
            if pid == root {
                return true;
            }
            match parent.get(&pid) {
                Some(&p) if p != 0 && p != pid => pid = p,
                _ => return false,
            }
        }
        false
    };
    let members: Vec<u32> = parent.keys().copied().filter(|p| in_tree(*p)).collect();
    let memory = members
        .iter()
        .filter_map(|pid| {
            let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
            let line = rollup.lines().find(|l| l.starts_with("Pss:"))?;
            Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
        })
        .sum();
    let children = members
        .iter()
        .filter(|p| **p != root)
        .map(|p| (*p, ticks[p]))
        .collect();
    (memory, children)
}

/// One audit of `assignments` with `config`: the run and its wall time.
async fn timed_audit(
    assignments: Vec<Assignment>,
    config: CrawlConfig,
) -> (portal_audit::run::AuditRun, f64) {
    let started = Instant::now();
    let run = run_audit(
        assignments,
        config,
        "2026-11-28".parse().unwrap(),
        &Progress::hidden(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    (run, started.elapsed().as_secs_f64())
}

/// Issue #16: the same sites audited exhaustively (`--exhaustive
/// --max-pages 1000`) and the default way; the agreement of the verdicts,
/// the pages fetched per site, and the wall times.
async fn compare(o: &Options, assignments: &dyn Fn() -> Vec<Assignment>, base: &CrawlConfig) {
    let exhaustive = CrawlConfig {
        exhaustive: true,
        max_pages: 1000,
        ..base.clone()
    };
    let default = CrawlConfig {
        exhaustive: false,
        max_pages: portal_audit::crawl::DEFAULT_MAX_PAGES,
        ..base.clone()
    };
    let (full, full_wall) = timed_audit(assignments(), exhaustive).await;
    let (fast, fast_wall) = timed_audit(assignments(), default).await;
    let (full, fast) = (full.sites.to_vec().unwrap(), fast.sites.to_vec().unwrap());
    let (mut agree, mut total) = (0, 0);
    let mut differences = Vec::new();
    for (a, b) in fast.iter().zip(&full) {
        for (f, r) in a.findings.iter().zip(&b.findings) {
            total += 1;
            if f.status == r.status {
                agree += 1;
            } else {
                differences.push(format!(
                    "    {}/{}: default {} ({}), exhaustive {} ({})",
                    a.target.id, f.item_id, f.status, f.evidence, r.status, r.evidence
                ));
            }
        }
    }
    let pages = |sites: &[portal_audit::run::SiteResult]| {
        let per_site: Vec<f64> = sites.iter().map(|s| s.crawl.pages_fetched as f64).collect();
        (median(&per_site), per_site.iter().sum::<f64>())
    };
    let ((full_median, full_total), (fast_median, fast_total)) = (pages(&full), pages(&fast));
    let stops: Vec<&str> = fast.iter().map(|s| s.crawl.stopped.code()).collect();
    println!(
        "portal-audit structure-first vs exhaustive: {} sites x {} pages, latency {} ms, per-host {}",
        o.sites, o.pages, o.latency_ms, o.per_host
    );
    println!("  verdicts agree      {agree}/{total}");
    for d in &differences {
        println!("{d}");
    }
    println!(
        "  pages per site      exhaustive median {full_median:.0} (total {full_total:.0}), default median {fast_median:.0} (total {fast_total:.0})"
    );
    println!(
        "  wall time           exhaustive {full_wall:.2} s, default {fast_wall:.2} s, ratio {:.3}",
        fast_wall / full_wall
    );
    println!("  default stopped     {stops:?}");
}
