//! An in-process hostile web server for the crawler's robustness tests: one
//! listener per hazard on 127.0.0.1 (or another loopback address), speaking raw HTTP/1.1 so it can misbehave
//! in ways a well-mannered framework would not allow. It logs every request
//! line so tests can assert what the crawler did and did not ask for.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// What a hostile site does.
#[derive(Debug, Clone)]
pub enum Hazard {
    /// Accepts connections and never answers.
    Silent,
    /// Sends headers, then one byte per second, forever.
    Drip,
    /// A gzip body that inflates to this many bytes of zeros.
    GzipBomb(usize),
    /// A page of this many bytes.
    Huge(usize),
    /// `/` → `/a` → `/` → …
    RedirectLoop,
    /// A calendar whose every day links to the next and previous day.
    Calendar,
    /// A page nested this many `<div>`s deep.
    DeepNest(usize),
    /// A page with this many links.
    ManyLinks(usize),
    /// robots.txt disallows `/private/`; the home page links there anyway,
    /// and to a sentinel site on another port, directly and by redirect.
    RobotsAndScope {
        /// Port of a site outside the scope.
        sentinel_port: u16,
    },
    /// Answers 503 with `Retry-After: 1` this many times, then a real page.
    Unavailable(usize),
    /// An empty 200 answer.
    Empty,
    /// Closes the connection as soon as the request arrives.
    Reset,
    /// A decent small site (the good neighbour in a mixed run).
    Good,
    /// `/` redirects to `/tin-tức` with raw UTF-8 in the Location header,
    /// as some Vietnamese servers do.
    Utf8Redirect,
    /// `/` answers 302 to this URL (a start URL that leads elsewhere).
    RedirectTo(String),
}

/// A running hostile site.
pub struct HostileSite {
    /// Its loopback address.
    pub ip: &'static str,
    /// Its port there.
    pub port: u16,
    requests: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl HostileSite {
    /// `http://127.0.0.1:port/` (or https when served with TLS).
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}:{}/", self.ip, self.port)
    }

    /// Request targets (path and query) received so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for HostileSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `hazard` over plain HTTP.
pub async fn serve(hazard: Hazard) -> HostileSite {
    serve_with(hazard, None, "127.0.0.1").await
}

/// Serves `hazard` over plain HTTP on another loopback address (Linux
/// answers on all of 127.0.0.0/8): another host, as far as URLs go.
pub async fn serve_at(hazard: Hazard, ip: &'static str) -> HostileSite {
    serve_with(hazard, None, ip).await
}

/// Serves `hazard` over TLS with a freshly made self-signed certificate.
pub async fn serve_tls(hazard: Hazard) -> HostileSite {
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let der = cert.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .unwrap();
    serve_with(
        hazard,
        Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))),
        "127.0.0.1",
    )
    .await
}

async fn serve_with(
    hazard: Hazard,
    tls: Option<tokio_rustls::TlsAcceptor>,
    ip: &'static str,
) -> HostileSite {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let bomb = match hazard {
        Hazard::GzipBomb(size) => Arc::new(gzip_zeros(size)),
        _ => Arc::new(Vec::new()),
    };
    let log = Arc::clone(&requests);
    let unavailable_left = Arc::new(Mutex::new(match hazard {
        Hazard::Unavailable(n) => n,
        _ => 0,
    }));
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (hazard, log, bomb, tls, left) = (
                hazard.clone(),
                Arc::clone(&log),
                Arc::clone(&bomb),
                tls.clone(),
                Arc::clone(&unavailable_left),
            );
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            handle(stream, hazard, log, bomb, left).await;
                        }
                    }
                    None => handle(stream, hazard, log, bomb, left).await,
                }
            });
        }
    });
    HostileSite {
        ip,
        port,
        requests,
        task,
    }
}

fn gzip_zeros(size: usize) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let chunk = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len());
        encoder.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    encoder.finish().unwrap()
}

async fn handle<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    hazard: Hazard,
    log: Arc<Mutex<Vec<String>>>,
    bomb: Arc<Vec<u8>>,
    unavailable_left: Arc<Mutex<usize>>,
) {
    loop {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
            match stream.read(&mut byte).await {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
        let line = String::from_utf8_lossy(&head)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        log.lock().unwrap().push(target.clone());
        if !respond(&mut stream, &hazard, &target, &bomb, &unavailable_left).await {
            return;
        }
    }
}

/// Writes one answer; `false` when the connection must end.
async fn respond<S: AsyncWrite + Unpin>(
    stream: &mut S,
    hazard: &Hazard,
    target: &str,
    bomb: &[u8],
    unavailable_left: &Mutex<usize>,
) -> bool {
    let html = |body: String| {
        (
            200,
            "text/html; charset=utf-8",
            body.into_bytes(),
            Vec::<(&str, String)>::new(),
        )
    };
    let page = |content: &str| {
        format!(
            "<!DOCTYPE html><html><head><meta charset=utf-8><title>Trang thử</title></head><body>\
             <nav><a href=\"/\">Trang chủ</a> <a href=\"/tin-tuc\">Tin tức</a></nav><main>{content}</main>\
             <footer>Địa chỉ: 1 Đường Thử, Tỉnh Mẫu. Điện thoại: 0208.3855.724</footer></body></html>"
        )
    };
    let (status, content_type, body, headers): (u16, &str, Vec<u8>, Vec<(&str, String)>) = match (
        hazard, target,
    ) {
        (Hazard::Silent, _) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return false;
        }
        (Hazard::Reset, _) => return false,
        (Hazard::RobotsAndScope { .. }, "/robots.txt") => (
            200,
            "text/plain",
            b"User-agent: *\nDisallow: /private/\n".to_vec(),
            Vec::new(),
        ),
        (_, "/robots.txt") => (404, "text/plain", b"not found".to_vec(), Vec::new()),
        (Hazard::Drip, _) => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body>")
                .await;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if stream.write_all(b"x").await.is_err() || stream.flush().await.is_err() {
                    return false;
                }
            }
        }
        (Hazard::GzipBomb(_), "/") => (
            200,
            "text/html",
            bomb.to_vec(),
            vec![("Content-Encoding", "gzip".to_owned())],
        ),
        (Hazard::Huge(size), "/") => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {size}\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            let chunk = vec![b'a'; 64 * 1024];
            let mut left = *size;
            while left > 0 {
                let n = left.min(chunk.len());
                if stream.write_all(&chunk[..n]).await.is_err() {
                    return false;
                }
                left -= n;
            }
            return true;
        }
        (Hazard::RedirectLoop, "/") => (
            302,
            "text/html",
            Vec::new(),
            vec![("Location", "/a".to_owned())],
        ),
        (Hazard::RedirectLoop, _) => (
            302,
            "text/html",
            Vec::new(),
            vec![("Location", "/".to_owned())],
        ),
        (Hazard::Calendar, path) => {
            let day: i64 = path
                .rsplit('=')
                .next()
                .and_then(|d| d.parse().ok())
                .unwrap_or(0);
            html(page(&format!(
                "<h1>Lịch công tác</h1><a href=\"/lich?ngay={}\">Hôm trước</a> <a href=\"/lich?ngay={}\">Hôm sau</a>\
                 <a href=\"/lich/{}/thang\">Tháng</a>",
                day - 1,
                day + 1,
                day + 7
            )))
        }
        (Hazard::DeepNest(depth), "/") => html(page(&format!(
            "{}<a href=\"/deep\">x</a>{}",
            "<div>".repeat(*depth),
            "</div>".repeat(*depth)
        ))),
        (Hazard::ManyLinks(n), "/") => {
            let mut links = String::with_capacity(n * 24);
            for i in 0..*n {
                links.push_str(&format!("<a href=\"/p/{i}\">Mục {i}</a>\n"));
            }
            html(page(&links))
        }
        (Hazard::RobotsAndScope { sentinel_port }, "/") => html(page(&format!(
            "<a href=\"/private/bi-mat\">Bí mật</a> <a href=\"/public\">Công khai</a> \
             <a href=\"http://127.0.0.1:{sentinel_port}/\">Trang khác</a> <a href=\"/go\">Chuyển</a>"
        ))),
        (Hazard::RobotsAndScope { sentinel_port }, "/go") => (
            302,
            "text/html",
            Vec::new(),
            vec![("Location", format!("http://127.0.0.1:{sentinel_port}/x"))],
        ),
        (Hazard::Unavailable(_), _) => {
            let mut left = unavailable_left.lock().unwrap();
            if *left > 0 {
                *left -= 1;
                (
                    503,
                    "text/html",
                    b"busy".to_vec(),
                    vec![("Retry-After", "1".to_owned())],
                )
            } else {
                html(page("<h1>Tin tức</h1><p>Ngày 20/11/2026: Hội nghị.</p>"))
            }
        }
        (Hazard::Empty, _) => (200, "text/html", Vec::new(), Vec::new()),
        (Hazard::RedirectTo(location), "/") => (
            302,
            "text/html",
            Vec::new(),
            vec![("Location", location.clone())],
        ),
        (Hazard::Utf8Redirect, "/") => (
            302,
            "text/html",
            Vec::new(),
            vec![("Location", "/tin-tức".to_owned())],
        ),
        (Hazard::Utf8Redirect, "/tin-t%E1%BB%A9c") => {
            html(page("<h1>Tin tức</h1><p>Ngày 20/11/2026: hội nghị.</p>"))
        }
        (Hazard::Good, "/") => html(page(
            "<h1>Sở Mẫu</h1><a href=\"/gioi-thieu/chuc-nang-nhiem-vu\">Chức năng, nhiệm vụ</a>\
             <a href=\"/lien-he\">Liên hệ</a>",
        )),
        (Hazard::Good, "/gioi-thieu/chuc-nang-nhiem-vu") => html(page(
            "<h1>Chức năng, nhiệm vụ</h1><p>Sở Mẫu là cơ quan chuyên môn có chức năng tham mưu cho UBND tỉnh.</p>",
        )),
        _ => (404, "text/html", b"<h1>404</h1>".to_vec(), Vec::new()),
    };
    let reason = match status {
        200 => "OK",
        302 => "Found",
        404 => "Not Found",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.is_ok()
        && stream.write_all(&body).await.is_ok()
        && stream.flush().await.is_ok()
}
