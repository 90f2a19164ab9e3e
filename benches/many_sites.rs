//! The many-sites benchmark of issue #14: does a national run (thousands of
//! small sites) fit on one machine, and does memory stay flat as sites finish?
//! It serves N loopback sites of 10–30 pages each (one listener per site, in
//! a child process so the server's CPU and memory are not counted), writes a
//! targets file, and runs the release binary's `audit` as a child process
//! with its default options, so every output is written as in real use. It
//! reports wall time, pages/s, the audit's peak RSS and open file descriptors
//! (polled from /proc every 50 ms) and the size of each output.
//!
//! Run: `cargo build --release && cargo bench --bench many_sites -- --sites 500,1000,2000,4000`
//! Other audit options: `-- --sites 500 --audit-args "--per-host 1"`.
//! The binary is `$PORTAL_AUDIT_BIN`, else `release/portal-audit` beside
//! this benchmark's own binary (under `$CARGO_TARGET_DIR` or `target/`).
//!
//! Linux only: everything measured is read from /proc.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Fewest and most pages a site has.
const MIN_PAGES: usize = 10;
const MAX_PAGES: usize = 30;
/// How often the audit process is sampled.
const POLL: Duration = Duration::from_millis(50);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let sizes: Vec<usize> = value("--sites")
        .unwrap_or_else(|| "500".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    if args.iter().any(|a| a == "--serve") {
        let sites = sizes.first().copied().unwrap_or(1);
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(serve(sites));
        return;
    }
    // Extra options for the audit, split on whitespace: `--audit-args "--per-host 1"`.
    let extra: Vec<String> = value("--audit-args")
        .map(|a| a.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let binary = audit_binary();
    let (pages, kb) = page_mix();
    println!("binary: {}", binary.display());
    println!(
        "pages: {MIN_PAGES}-{MAX_PAGES} per site, {kb:.0} KB on average ({pages} distinct bodies); audit options: {}",
        if extra.is_empty() {
            "the defaults".into()
        } else {
            extra.join(" ")
        }
    );
    let mut table = Vec::new();
    for &sites in &sizes {
        let row = run_size(&binary, sites, &extra);
        table.push(describe(sites, &row));
    }
    println!();
    println!("{HEADER}");
    for line in table {
        println!("{line}");
    }
}

/// The release binary to measure.
fn audit_binary() -> PathBuf {
    let found = std::env::var_os("PORTAL_AUDIT_BIN")
        .map(PathBuf::from)
        .or_else(|| {
            // target/release/deps/many_sites-HASH -> target/release/portal-audit
            let exe = std::env::current_exe().ok()?;
            Some(exe.parent()?.parent()?.join("portal-audit"))
        })
        .filter(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!("no release binary: run `cargo build --release` first, or set PORTAL_AUDIT_BIN")
    })
}

// ---------------------------------------------------------------------------
// The synthetic portals.

/// Deterministic pseudo-random numbers (a 64-bit LCG).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap_or(0)
    }
}

/// Words of the body text, separated by `|`.
const WORDS: &str = "Ủy ban nhân dân|xã|triển khai|kế hoạch|công tác|cải cách hành chính|chuyển đổi số|người dân|doanh nghiệp|hội nghị|tổng kết|năm 2026|phát triển|kinh tế|xã hội|an sinh|giáo dục|y tế|nông nghiệp|giao thông|văn bản|hướng dẫn";

/// The menu; `Công khai ngân sách` only on sites with an even page count.
const MENU: &str = "Giới thiệu|Cơ cấu tổ chức|Tin tức - Sự kiện|Văn bản chỉ đạo điều hành|Thủ tục hành chính|Dịch vụ công trực tuyến|Công khai ngân sách|Quy hoạch - Kế hoạch|Hỏi đáp|Lịch công tác|Thống kê|Liên hệ";

/// How many pages site `i` has: 10–30, spread evenly.
fn pages_of(site: usize) -> usize {
    MIN_PAGES + (site * 7919) % (MAX_PAGES - MIN_PAGES + 1)
}

/// Pages 1..=sections are sections; the rest are articles.
fn sections_of(pages: usize) -> usize {
    pages / 3
}

fn page_path(index: usize, pages: usize) -> String {
    if index == 0 {
        "/".into()
    } else if index <= sections_of(pages) {
        format!("/chuyen-muc/muc-{index}.html")
    } else {
        let slug = ["hoi-nghi", "trien-khai", "chuyen-doi-so", "tong-ket"][index % 4];
        format!("/tin-tuc/{slug}-cong-tac-nam-2026/{index}.html")
    }
}

/// What a portal CMS puts in every head: style sheets, a theme, a config
/// script and analytics (about 7 KB).
fn cms_head(html: &mut String) {
    for k in 0..4 {
        let _ = write!(
            html,
            "<link rel=\"stylesheet\" href=\"/themes/portal/css/style-{k}.css?v=20261101\">"
        );
    }
    html.push_str("<style>");
    for k in 0..30 {
        let _ = write!(
            html,
            ".portlet-{k} .title{{color:#1a4f8b;font-weight:700;margin:0 0 8px;padding:6px 10px;border-bottom:2px solid #c00}}"
        );
    }
    html.push_str("</style><script>window.portalConfig = {");
    for k in 0..50 {
        let _ = write!(
            html,
            "\"widget{k}\":{{\"id\":{k},\"visible\":true,\"cache\":300}},"
        );
    }
    html.push_str(
        "\"lang\":\"vi\"};</script><script src=\"/themes/portal/js/jquery.min.js\"></script>",
    );
}

/// The menu (12 entries of 5 sub-items), pointing at the site's sections.
fn menu(html: &mut String, pages: usize) {
    html.push_str("<nav class=\"main-menu\"><ul>");
    let sections = sections_of(pages);
    for (k, label) in MENU.split('|').enumerate() {
        if label == "Công khai ngân sách" && pages % 2 == 1 {
            continue; // odd sites lack the budget section
        }
        let target = 1 + k % sections;
        let _ = write!(
            html,
            "<li class=\"menu-item menu-item-has-children\" id=\"menu-item-{k}\"><a class=\"nav-link\" href=\"{}\">{label}</a><ul class=\"sub-menu\">",
            page_path(target, pages)
        );
        for j in 0..5 {
            let _ = write!(
                html,
                "<li class=\"menu-item\"><a href=\"{}#m{j}\">Mục {j} - {label}</a></li>",
                page_path(target, pages)
            );
        }
        html.push_str("</ul></li>");
    }
    html.push_str("</ul></nav>");
}

/// The sidebar: latest news, new documents, links to other portals.
fn sidebar(html: &mut String, index: usize, pages: usize) {
    let first_article = sections_of(pages) + 1;
    html.push_str("<aside class=\"sidebar\"><h3>Tin mới</h3><ul>");
    for k in 0..10 {
        let a = first_article + (index + k) % (pages - first_article);
        let _ = write!(
            html,
            "<li><a href=\"{}\">Hội nghị triển khai công tác năm 2026 (tin số {a})</a> <span>{:02}/11/2026</span></li>",
            page_path(a, pages),
            1 + (a + k) % 27
        );
    }
    html.push_str("</ul><h3>Văn bản mới</h3><ul class=\"document-list\">");
    for k in 0..10 {
        // A document's page is one of the site's articles: no link is broken.
        let a = pages - 1 - (index + k) % (pages - first_article);
        let _ = write!(
            html,
            "<li class=\"document-item\"><a href=\"{}\">Quyết định số {k}/QĐ-UBND ngày {:02}/10/2026 của Ủy ban nhân dân xã về việc ban hành kế hoạch thực hiện</a></li>",
            page_path(a, pages),
            1 + k
        );
    }
    html.push_str("</ul><h3>Liên kết website</h3><select>");
    for k in 0..30 {
        let _ = write!(
            html,
            "<option value=\"https://so{k}.mau.gov.vn\">Sở ngành số {k}</option>"
        );
    }
    html.push_str("</select></aside>");
}

/// The footer: the owner, its address and contacts, the licence, units.
fn footer(html: &mut String) {
    html.push_str("<footer><p>Cơ quan chủ quản: Ủy ban nhân dân xã Mẫu. Địa chỉ: 12 Đường Thử, xã Mẫu, tỉnh Thử Nghiệm.</p>");
    html.push_str("<p>Điện thoại: (0208) 3855 724 - Email: ubnd@xamau.gov.vn. Chịu trách nhiệm chính: Ông Nguyễn Văn Mẫu, Chủ tịch UBND xã.</p>");
    html.push_str("<p>Giấy phép số 12/GP-TTĐT ngày 05/03/2025 của Sở Văn hóa, Thể thao và Du lịch.</p><ul class=\"footer-units\">");
    for k in 0..8 {
        let _ = write!(
            html,
            "<li class=\"unit\"><strong>Thôn số {k}</strong><span>Địa chỉ: số {k} đường Thử Nghiệm, xã Mẫu. Điện thoại: (0208) 3855 {k:03}</span></li>"
        );
    }
    html.push_str("</ul></footer>");
}

/// Page `index` of a site of `pages` pages: 20–70 KB. The home page lists
/// the sections, a section lists its articles, an article is text.
fn page(index: usize, pages: usize) -> String {
    let mut rng = Lcg((index * 7919 + pages * 104_729) as u64);
    let mut html = String::with_capacity(80 * 1024);
    html.push_str("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">");
    cms_head(&mut html);
    let _ = write!(
        html,
        "<title>Trang {index} - Cổng thông tin điện tử xã Mẫu</title></head><body><header><img src=\"/logo.png\" alt=\"Quốc huy\"><h1>ỦY BAN NHÂN DÂN XÃ MẪU</h1><form action=\"/tim-kiem\"><input name=\"keyword\"></form></header>"
    );
    menu(&mut html, pages);
    sidebar(&mut html, index, pages);
    html.push_str("<main>");
    let sections = sections_of(pages);
    let children: Vec<usize> = match index {
        0 => (sections + 1..pages).collect(),
        s if s <= sections => (sections + 1..pages)
            .filter(|a| 1 + a % sections == s)
            .collect(),
        _ => Vec::new(),
    };
    for c in children {
        let _ = write!(
            html,
            "<article class=\"news-item\"><h2><a href=\"{}\">Bài viết số {c}: kết quả thực hiện nhiệm vụ</a></h2><p class=\"date\">Ngày {:02}/11/2026</p></article>",
            page_path(c, pages),
            1 + c % 27
        );
    }
    let words: Vec<&str> = WORDS.split('|').collect();
    let paragraphs = rng.next() % 110;
    for _ in 0..paragraphs {
        html.push_str("<p>");
        for _ in 0..40 {
            html.push_str(words[rng.next() % words.len()]);
            html.push(' ');
        }
        html.push_str("</p>");
    }
    html.push_str("</main>");
    footer(&mut html);
    html.push_str("</body></html>");
    html
}

/// Every distinct body, by page count then index.
fn all_bodies() -> Vec<Vec<Bytes>> {
    (0..=MAX_PAGES)
        .map(|pages| {
            if pages < MIN_PAGES {
                return Vec::new();
            }
            (0..pages).map(|i| Bytes::from(page(i, pages))).collect()
        })
        .collect()
}

/// How many distinct bodies there are, and their average size in KB.
fn page_mix() -> (usize, f64) {
    let bodies = all_bodies();
    let count: usize = bodies.iter().map(Vec::len).sum();
    let bytes: usize = bodies.iter().flatten().map(Bytes::len).sum();
    (count, bytes as f64 / count as f64 / 1024.0)
}

fn page_index(path: &str, pages: usize) -> Option<usize> {
    let index = if path == "/" {
        0
    } else {
        let stem = path.strip_suffix(".html")?;
        let digits = stem.rsplit(['/', '-']).next()?;
        digits.parse().ok()?
    };
    (page_path(index, pages) == path).then_some(index)
}

/// Child process: one listener per site on 127.0.0.1, its ports printed on
/// one line; runs until killed.
async fn serve(sites: usize) {
    let bodies = Arc::new(all_bodies());
    let mut ports = Vec::with_capacity(sites);
    for site in 0..sites {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        ports.push(listener.local_addr().expect("an address").port());
        let bodies = Arc::clone(&bodies);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let bodies = Arc::clone(&bodies);
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                        let site_pages = &bodies[pages_of(site)];
                        let body = page_index(request.uri().path(), site_pages.len())
                            .map(|i| site_pages[i].clone());
                        let response = match body {
                            Some(b) => Response::builder()
                                .header("content-type", "text/html; charset=utf-8")
                                .body(Full::new(b)),
                            None => Response::builder()
                                .status(404)
                                .body(Full::new(Bytes::from_static(b"not found"))),
                        };
                        std::future::ready(Ok::<_, Infallible>(response.expect("a response")))
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    }
    let line: Vec<String> = ports.iter().map(ToString::to_string).collect();
    println!("{}", line.join(","));
    std::future::pending::<()>().await;
}

// ---------------------------------------------------------------------------
// One measured audit.

/// One sample of the audit process.
#[derive(Clone, Copy, Default)]
struct Sample {
    at: f64,
    hwm_kb: u64,
    rss_kb: u64,
    fds: usize,
    journal: u64,
}

/// What one size measured.
struct Row {
    pages: usize,
    failed: std::collections::BTreeMap<String, usize>,
    wall: f64,
    exit: Option<i32>,
    peak_fds: usize,
    samples: Vec<Sample>,
    sizes: [u64; 5],
}

/// The server child, killed when dropped.
struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(sites: usize) -> (Server, Vec<u16>) {
    let exe = std::env::current_exe().expect("this benchmark's path");
    let mut child = Command::new(exe)
        .args(["--serve", "--sites", &sites.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the page server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("its stdout"))
        .read_line(&mut line)
        .expect("the ports");
    let ports: Vec<u16> = line
        .trim()
        .split(',')
        .filter_map(|p| p.parse().ok())
        .collect();
    assert_eq!(ports.len(), sites, "the server bound every site");
    (Server(child), ports)
}

fn write_targets(path: &Path, ports: &[u16]) {
    let mut csv = String::from("id,name,kind,url,region\n");
    for (i, port) in ports.iter().enumerate() {
        let (kind, name) = if i % 5 == 0 {
            ("department", "Sở Mẫu")
        } else {
            ("commune", "UBND xã Mẫu")
        };
        let _ = writeln!(
            csv,
            "s{i},{name} {i},{kind},http://127.0.0.1:{port}/,Tỉnh {}",
            i / 100
        );
    }
    std::fs::write(path, csv).expect("write the targets file");
}

/// `VmHWM` and `VmRSS` (kB) and the open file descriptors of `pid`.
fn sample(pid: u32) -> Option<(u64, u64, usize)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    Some((field("VmHWM:")?, field("VmRSS:")?, fds))
}

fn run_size(binary: &Path, sites: usize, extra: &[String]) -> Row {
    let (server, ports) = start_server(sites);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let targets = dir.path().join("targets.csv");
    write_targets(&targets, &ports);
    let out = dir.path().join("out");
    let journal = dir.path().join(".out.journal");
    let started = Instant::now();
    let mut audit = Command::new(binary)
        .arg("audit")
        .arg("--targets")
        .arg(&targets)
        .arg("--out")
        .arg(&out)
        .arg("--history")
        .arg(dir.path().join("history.sqlite"))
        .args(["--quiet", "--as-of", "2026-11-28"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the audit");
    let stderr = audit.stderr.take().expect("its stderr");
    let errors = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let mut samples = Vec::new();
    let status = loop {
        if let Some(status) = audit.try_wait().expect("wait for the audit") {
            break status;
        }
        if let Some((hwm_kb, rss_kb, fds)) = sample(audit.id()) {
            let journal = std::fs::metadata(&journal).map_or(0, |m| m.len());
            let at = started.elapsed().as_secs_f64();
            samples.push(Sample {
                at,
                hwm_kb,
                rss_kb,
                fds,
                journal,
            });
        }
        std::thread::sleep(POLL);
    };
    let wall = started.elapsed().as_secs_f64();
    drop(server);
    let errors = errors.join().unwrap_or_default();
    if !errors.trim().is_empty() {
        eprintln!("audit stderr ({sites} sites):\n{}", errors.trim());
    }
    let (pages, failed) = pages_crawled(&out.join("run.json"));
    let size = |name: &str| std::fs::metadata(out.join(name)).map_or(0, |m| m.len());
    let workbook = size("bao-cao.xlsx").max(size("report.xlsx"));
    Row {
        pages,
        failed,
        wall,
        exit: status.code(),
        peak_fds: samples.iter().map(|s| s.fds).max().unwrap_or(0),
        samples,
        sizes: [
            size("run.json"),
            size("report.html"),
            workbook,
            size("findings.csv"),
            folder_size(&out),
        ],
    }
}

/// Pages crawled over all sites, and how many sites ended with each status
/// other than `ok`.
fn pages_crawled(run_json: &Path) -> (usize, std::collections::BTreeMap<String, usize>) {
    #[derive(serde::Deserialize)]
    struct Run {
        sites: Vec<Site>,
    }
    #[derive(serde::Deserialize)]
    struct Site {
        pages_crawled: usize,
        status: String,
    }
    let file = std::fs::File::open(run_json).expect("run.json was written");
    let run: Run = serde_json::from_reader(std::io::BufReader::new(file)).expect("run.json parses");
    let pages = run.sites.iter().map(|s| s.pages_crawled).sum();
    let mut failed = std::collections::BTreeMap::new();
    for site in run.sites.iter().filter(|s| s.status != "ok") {
        *failed.entry(site.status.clone()).or_insert(0) += 1;
    }
    (pages, failed)
}

fn folder_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => folder_size(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

// ---------------------------------------------------------------------------
// The table.

const HEADER: &str = "| sites | pages | wall | pages/s | peak RSS | peak RSS while crawling | peak fds | run.json | report.html | workbook | findings.csv | folder |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Prints how the audit's memory went over time, and returns the table row.
fn describe(sites: usize, row: &Row) -> String {
    let peak_kb = row.samples.iter().map(|s| s.hwm_kb).max().unwrap_or(0);
    // The crawl ends when the journal stops growing: the last site is in it.
    let most = row.samples.iter().map(|s| s.journal).max().unwrap_or(0);
    let crawl_end = row.samples.iter().find(|s| s.journal == most);
    let crawl_end = crawl_end.copied().unwrap_or_default();
    let line = format!(
        "| {sites} | {} | {:.1} s | {:.0} | {:.0} MB | {:.0} MB | {} | {} | {} | {} | {} | {} |",
        row.pages,
        row.wall,
        row.pages as f64 / row.wall,
        peak_kb as f64 / 1024.0,
        crawl_end.hwm_kb as f64 / 1024.0,
        row.peak_fds,
        mb(row.sizes[0]),
        mb(row.sizes[1]),
        mb(row.sizes[2]),
        mb(row.sizes[3]),
        mb(row.sizes[4])
    );
    let mut profile = String::new();
    for k in 1..=10 {
        let at = row.wall * f64::from(k) / 10.0;
        if let Some(s) = row.samples.iter().rev().find(|s| s.at <= at) {
            let _ = write!(profile, " {:.0}s:{:.0}", s.at, s.rss_kb as f64 / 1024.0);
        }
    }
    println!(
        "{sites} sites: exit {:?}, sites not ok: {:?}; last site done at {:.1} s of {:.1} s; RSS (MB) over time:{profile}",
        row.exit, row.failed, crawl_end.at, row.wall
    );
    line
}
