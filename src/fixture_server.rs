//! The bundled fixture sites (`fixtures/sites/`), embedded in the binary and
//! served on 127.0.0.1 from inside the process. `portal-audit demo` and the
//! test suite both audit them; neither needs the internet.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use include_dir::{Dir, include_dir};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;

use crate::finding::Status;
use crate::target::{SiteKind, Target};

static SITES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/sites");

/// One fixture site: its pages, routes and the findings we expect.
#[derive(Debug, Clone)]
pub struct FixtureSite {
    /// Folder name; also the target id.
    pub id: String,
    /// Agency name.
    pub name: String,
    /// Kind of agency.
    pub kind: SiteKind,
    /// Serve nothing: connections are refused.
    pub down: bool,
    /// The checklist the site is judged by, when not the default.
    pub checklist: Option<String>,
    /// A second loopback address the same files are served on, at the same
    /// port (a third-party host its scripts load from).
    pub second_host: Option<std::net::Ipv4Addr>,
    /// Expected status per item (from `expected.csv`), judged on [`FIXTURE_AS_OF`].
    pub expected: Vec<(String, Status)>,
    /// A file served with 200 for every path that has none (a site that
    /// answers every URL with a generic page).
    fallback: Option<String>,
    routes: Vec<Route>,
    files: HashMap<String, Bytes>,
}

/// The audit date the fixtures' expected findings are written for.
pub const FIXTURE_AS_OF: &str = "2026-11-28";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteToml {
    name: String,
    kind: String,
    #[serde(default)]
    down: bool,
    #[serde(default)]
    checklist: Option<String>,
    #[serde(default)]
    second_host: Option<std::net::Ipv4Addr>,
    #[serde(default)]
    fallback: Option<String>,
    #[serde(default, rename = "route")]
    routes: Vec<Route>,
}

/// A special answer for one path (and query).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Route {
    path: String,
    #[serde(default)]
    redirect: Option<String>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    file: Option<String>,
}

impl FixtureSite {
    /// A site built in code: `pages` maps request keys (as in `www/`:
    /// `index.html`, `index.php@cat=12`) to bodies. For tests.
    #[must_use]
    pub fn in_memory(id: &str, kind: SiteKind, pages: Vec<(&str, Vec<u8>)>) -> Self {
        Self {
            id: id.to_owned(),
            name: id.to_owned(),
            kind,
            down: false,
            checklist: None,
            second_host: None,
            expected: Vec::new(),
            fallback: None,
            routes: Vec::new(),
            files: pages
                .into_iter()
                .map(|(k, v)| (k.to_owned(), Bytes::from(v)))
                .collect(),
        }
    }

    /// Answers every path without a file with this file, status 200.
    #[must_use]
    pub fn with_fallback(mut self, file: &str) -> Self {
        self.fallback = Some(file.to_owned());
        self
    }

    /// Answers `path` (with query) with `status` and `file`'s body (or a
    /// stub) under `content_type`.
    #[must_use]
    pub fn with_route(
        mut self,
        path: &str,
        status: u16,
        file: Option<&str>,
        content_type: Option<&str>,
    ) -> Self {
        self.routes.push(Route {
            path: path.to_owned(),
            redirect: None,
            status: Some(status),
            content_type: content_type.map(str::to_owned),
            file: file.map(str::to_owned),
        });
        self
    }
}

/// All embedded fixture sites, sorted by id.
///
/// # Panics
/// If an embedded fixture is malformed; the test suite loads them all.
#[must_use]
pub fn embedded_sites() -> Vec<FixtureSite> {
    let mut sites: Vec<FixtureSite> = SITES
        .dirs()
        .filter_map(|dir| {
            let id = dir.path().file_name()?.to_str()?.to_owned();
            let toml_text = dir
                .get_file(dir.path().join("site.toml"))?
                .contents_utf8()?;
            let spec: SiteToml = toml::from_str(toml_text)
                .unwrap_or_else(|e| panic!("fixtures/sites/{id}/site.toml: {e}"));
            let kind = spec
                .kind
                .parse()
                .unwrap_or_else(|e| panic!("fixtures/sites/{id}/site.toml: {e}"));
            let expected = dir
                .get_file(dir.path().join("expected.csv"))
                .and_then(|f| f.contents_utf8())
                .map(|text| parse_expected(&id, text))
                .unwrap_or_default();
            let mut files = HashMap::new();
            if let Some(www) = dir.get_dir(dir.path().join("www")) {
                collect_files(www, www.path(), &mut files);
            }
            Some(FixtureSite {
                id,
                name: spec.name,
                kind,
                down: spec.down,
                checklist: spec.checklist,
                second_host: spec.second_host,
                expected,
                fallback: spec.fallback,
                routes: spec.routes,
                files,
            })
        })
        .collect();
    sites.sort_by(|a, b| a.id.cmp(&b.id));
    sites
}

fn parse_expected(id: &str, text: &str) -> Vec<(String, Status)> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("fixtures/sites/{id}/expected.csv: {e}"));
            let status = r[1]
                .trim()
                .parse()
                .unwrap_or_else(|e| panic!("fixtures/sites/{id}/expected.csv: {e}"));
            (r[0].trim().to_owned(), status)
        })
        .collect()
}

fn collect_files(
    dir: &'static Dir<'static>,
    root: &std::path::Path,
    out: &mut HashMap<String, Bytes>,
) {
    for file in dir.files() {
        if let Ok(rel) = file.path().strip_prefix(root) {
            out.insert(
                rel.to_string_lossy().replace('\\', "/"),
                Bytes::from_static(file.contents()),
            );
        }
    }
    for sub in dir.dirs() {
        collect_files(sub, root, out);
    }
}

/// A fixture site being served.
#[derive(Debug)]
pub struct ServedSite {
    /// The site.
    pub site: Arc<FixtureSite>,
    /// Its start URL on loopback.
    pub url: Url,
    requests: Arc<Mutex<Vec<String>>>,
    /// Requests to the second host, when the site has one.
    second_requests: Arc<Mutex<Vec<String>>>,
    tasks: Vec<JoinHandle<()>>,
    /// A down site's port, bound but not listening: connections are
    /// refused, and no other server started meanwhile can take the port.
    _reserved: Option<tokio::net::TcpSocket>,
}

impl ServedSite {
    /// A target row for this site.
    #[must_use]
    pub fn target(&self) -> Target {
        Target {
            id: self.site.id.clone(),
            name: self.site.name.clone(),
            kind: self.site.kind,
            url: self.url.clone(),
            checklist: self.site.checklist.clone(),
            extra: Vec::new(),
        }
    }

    /// Paths (with query) requested so far, in order.
    ///
    /// # Panics
    /// If a request handler panicked while holding the log.
    #[must_use]
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("request log").clone()
    }

    /// Paths requested from the site's second host, in order.
    ///
    /// # Panics
    /// If a request handler panicked while holding the log.
    #[must_use]
    pub fn second_host_requests(&self) -> Vec<String> {
        self.second_requests.lock().expect("request log").clone()
    }
}

impl Drop for ServedSite {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Serves `site` on 127.0.0.1 at a free port. A `down` site gets a port that
/// is held but not listened on, so connections to it are refused.
///
/// # Errors
/// When no loopback port can be bound.
pub async fn serve(site: FixtureSite) -> std::io::Result<ServedSite> {
    let site = Arc::new(site);
    let requests = Arc::new(Mutex::new(Vec::new()));
    if site.down {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let url = Url::parse(&format!("http://{}/", socket.local_addr()?)).expect("loopback url");
        return Ok(ServedSite {
            site,
            url,
            requests,
            second_requests: Arc::default(),
            tasks: Vec::new(),
            _reserved: Some(socket),
        });
    }
    let (listener, second) = bind_listeners(site.second_host).await?;
    let addr: SocketAddr = listener.local_addr()?;
    let url = Url::parse(&format!("http://{addr}/")).expect("loopback url");
    let second_requests = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = vec![tokio::spawn(accept(
        listener,
        Arc::clone(&site),
        Arc::clone(&requests),
    ))];
    if let Some(second) = second {
        tasks.push(tokio::spawn(accept(
            second,
            Arc::clone(&site),
            Arc::clone(&second_requests),
        )));
    }
    Ok(ServedSite {
        site,
        url,
        requests,
        second_requests,
        tasks,
        _reserved: None,
    })
}

/// A listener on 127.0.0.1 at a free port and, for a site with a second
/// host, one on that address at the same port (tried on a few ports: the
/// second address may have the first one's port taken).
async fn bind_listeners(
    second_host: Option<std::net::Ipv4Addr>,
) -> std::io::Result<(TcpListener, Option<TcpListener>)> {
    let Some(second_host) = second_host else {
        return Ok((TcpListener::bind("127.0.0.1:0").await?, None));
    };
    let mut last_error = None;
    for _ in 0..20 {
        let first = TcpListener::bind("127.0.0.1:0").await?;
        let port = first.local_addr()?.port();
        match TcpListener::bind((second_host, port)).await {
            Ok(second) => return Ok((first, Some(second))),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| std::io::Error::other("no port free on both hosts")))
}

/// Serves `site` on `listener` for ever, logging each request in `log`.
async fn accept(listener: TcpListener, served: Arc<FixtureSite>, log: Arc<Mutex<Vec<String>>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (site, log) = (Arc::clone(&served), Arc::clone(&log));
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let response = respond(&site, &log, &request);
                async move { Ok::<_, Infallible>(response) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn respond(
    site: &FixtureSite,
    log: &Mutex<Vec<String>>,
    request: &Request<Incoming>,
) -> Response<Full<Bytes>> {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    if let Ok(mut log) = log.lock() {
        log.push(path_and_query.clone());
    }
    if let Some(route) = site.routes.iter().find(|r| r.path == path_and_query) {
        if let Some(location) = &route.redirect {
            return Response::builder()
                .status(StatusCode::MOVED_PERMANENTLY)
                .header("location", location)
                .body(Full::new(Bytes::new()))
                .expect("valid response");
        }
        let status = route.status.unwrap_or(200);
        let body: Bytes = match &route.file {
            Some(file) => site.files.get(file.as_str()).cloned().unwrap_or_default(),
            None => Bytes::from(format!("<html><body><h1>{status}</h1></body></html>")),
        };
        let content_type = route
            .content_type
            .clone()
            .unwrap_or_else(|| "text/html; charset=utf-8".into());
        return Response::builder()
            .status(status)
            .header("content-type", content_type)
            .body(Full::new(body))
            .expect("valid response");
    }
    let path = percent_encoding::percent_decode_str(request.uri().path())
        .decode_utf8_lossy()
        .into_owned();
    let mut key = path.trim_start_matches('/').to_owned();
    if key.is_empty() || key.ends_with('/') {
        key.push_str("index.html");
    }
    if let Some(query) = request.uri().query() {
        key = format!("{key}@{query}");
    }
    let fallback = site
        .fallback
        .as_deref()
        .and_then(|f| site.files.get(f).map(|b| (f, b)));
    match site
        .files
        .get(key.as_str())
        .map(|b| (key.as_str(), b))
        .or(fallback)
    {
        Some((name, bytes)) => Response::builder()
            .status(StatusCode::OK)
            .header("content-type", content_type_of(name))
            .body(Full::new(bytes.clone()))
            .expect("valid response"),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header("content-type", "text/html; charset=utf-8")
            .body(Full::new(Bytes::from_static(
                b"<html><body><h1>404 Not Found</h1></body></html>",
            )))
            .expect("valid response"),
    }
}

fn content_type_of(key: &str) -> &'static str {
    let name = key.rsplit('/').next().unwrap_or(key);
    if name.contains('@') {
        return "text/html; charset=utf-8";
    }
    match name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .as_deref()
    {
        Some("xml") => "application/xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gz") => "application/gzip",
        Some("css") => "text/css",
        Some("js") => "application/javascript",
        Some("json") => "application/json",
        _ => "text/html; charset=utf-8",
    }
}
