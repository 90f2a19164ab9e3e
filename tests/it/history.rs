//! History across runs: changes between two audits of a site that changed,
//! score trends, and the lock that keeps two runs off one history.

use std::path::Path;

use portal_audit::fixture_server::{FixtureSite, serve};
use portal_audit::target::SiteKind;

use crate::support::{fixture, read_csv, run_binary, serve_all};

fn page(menu: &str, content: &str) -> Vec<u8> {
    format!(
        r#"<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Sở Mẫu</title></head>
<body><header><h1>SỞ MẪU</h1></header><nav><ul><li><a href="/">Trang chủ</a></li>{menu}</ul></nav>
<main>{content}</main><footer>Địa chỉ: 1 Đường Thử, Tỉnh Mẫu. Điện thoại: 0208.3855.724</footer></body></html>"#
    )
    .into_bytes()
}

/// The site before and after its webmaster removed Q&A and added statistics.
fn site(version: u8) -> FixtureSite {
    let (menu, extra) = if version == 1 {
        (
            r#"<li><a href="/hoi-dap.html">Hỏi đáp</a></li><li><a href="/van-ban.html">Văn bản</a></li>"#,
            (
                "hoi-dap.html",
                "<h2>Hỏi đáp</h2><p>Câu hỏi: thủ tục chứng thực? Trả lời: nộp tại bộ phận một cửa.</p>",
            ),
        )
    } else {
        (
            r#"<li><a href="/thong-ke.html">Thống kê</a></li><li><a href="/van-ban.html">Văn bản</a></li>"#,
            (
                "thong-ke.html",
                "<h2>Số liệu thống kê</h2><table><tr><td>Năm 2025</td><td>1.234 hồ sơ</td></tr></table>",
            ),
        )
    };
    FixtureSite::in_memory(
        "mau",
        SiteKind::Department,
        vec![
            ("index.html", page(menu, "<p>Cổng thông tin Sở Mẫu.</p>")),
            (
                "van-ban.html",
                page(
                    menu,
                    "<h2>Văn bản</h2><table><tr><td>Số ký hiệu</td><td>Trích yếu</td></tr></table>",
                ),
            ),
            (extra.0, page(menu, extra.1)),
        ],
    )
}

async fn audit_version(version: u8, dir: &Path) -> std::process::Output {
    let served = serve(site(version)).await.unwrap();
    std::fs::write(
        dir.join("T.csv"),
        format!("id,name,kind,url\nmau,Sở Mẫu,so,{}\n", served.url),
    )
    .unwrap();
    let out = format!("reports/run{version}");
    let args = [
        "audit",
        "--targets",
        "T.csv",
        "--out",
        &out,
        "--quiet",
        "--as-of",
        "2026-11-28",
        "--history",
        "h.sqlite",
        "--lang",
        "en",
    ];
    run_binary(&args, dir).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_run_lists_exactly_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let first = audit_version(1, dir.path()).await;
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = audit_version(2, dir.path()).await;
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );

    let changes = read_csv(&dir.path().join("reports/run2/changes.csv"));
    let mut got: Vec<(String, String, String)> = changes
        .iter()
        .map(|r| {
            (
                r["item_id"].clone(),
                r["before"].clone(),
                r["after"].clone(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("qa_feedback".into(), "present".into(), "missing".into()),
            ("statistics".into(), "missing".into(), "present".into()),
        ]
    );
    let regression = changes
        .iter()
        .find(|r| r["item_id"] == "qa_feedback")
        .unwrap();
    assert_eq!(regression["regression"], "yes");

    let one = read_csv(&dir.path().join("reports/run1/scorecard.csv"));
    let two = read_csv(&dir.path().join("reports/run2/scorecard.csv"));
    assert_eq!(one[0]["score_change"], "");
    let (s1, s2): (f64, f64) = (
        one[0]["score"].parse().unwrap(),
        two[0]["score"].parse().unwrap(),
    );
    let change: f64 = two[0]["score_change"].parse().unwrap();
    assert!(
        (change - (s2 - s1)).abs() < 0.11,
        "score_change {change} vs {s1} -> {s2}"
    );

    let history = run_binary(&["history", "--history", "h.sqlite"], dir.path()).await;
    let text = String::from_utf8_lossy(&history.stdout);
    assert_eq!(history.status.code(), Some(0), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("mau ")).count(),
        2,
        "both runs: {text}"
    );

    let diff = run_binary(&["diff", "--history", "h.sqlite"], dir.path()).await;
    let text = String::from_utf8_lossy(&diff.stdout);
    assert!(
        text.contains("mau,qa_feedback,present,missing,yes"),
        "{text}"
    );
    assert!(text.contains("mau,statistics,missing,present,"), "{text}");

    let gated = {
        let served = serve(site(1)).await.unwrap();
        std::fs::write(
            dir.path().join("T.csv"),
            format!("id,name,kind,url\nmau,Sở Mẫu,so,{}\n", served.url),
        )
        .unwrap();
        let args = [
            "audit",
            "--targets",
            "T.csv",
            "--out",
            "reports/run3",
            "--quiet",
            "--as-of",
            "2026-11-28",
            "--history",
            "h.sqlite",
            "--fail-on-regression",
        ];
        run_binary(&args, dir.path()).await
    };
    assert_eq!(
        gated.status.code(),
        Some(4),
        "statistics regressed, exit 4 (not 1, which is --fail-under's): {}",
        String::from_utf8_lossy(&gated.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_audit_on_a_busy_history_fails_fast() {
    let served = serve_all(vec![fixture("so-tu-phap-day-du")]).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("T.csv"),
        format!("id,name,kind,url\nstp,STP,so,{}\n", served[0].url),
    )
    .unwrap();
    let slow = std::process::Command::new(env!("CARGO_BIN_EXE_portal-audit"))
        .args([
            "audit",
            "--targets",
            "T.csv",
            "--out",
            "a",
            "--quiet",
            "--delay-ms",
            "500",
            "--history",
            "h.sqlite",
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..50 {
        if dir.path().join("h.sqlite.lock").exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let started = std::time::Instant::now();
    let args = [
        "audit",
        "--targets",
        "T.csv",
        "--out",
        "b",
        "--quiet",
        "--history",
        "h.sqlite",
    ];
    let second = run_binary(&args, dir.path()).await;
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "fails fast"
    );
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("another audit is using this history"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("b").exists(),
        "the second run writes nothing"
    );
    let pid = slow.id().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let finished = tokio::task::spawn_blocking(move || slow.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(finished.status.code(), Some(130));
    let lock = std::fs::File::open(dir.path().join("h.sqlite.lock")).unwrap();
    lock.try_lock().expect("the lock is released");
}
