//! What leaders are sent: Vietnamese by default, counts that add up to the
//! items listed, CSV that Excel set to Vietnamese opens as columns, and a
//! `run.json` that scripts read the same whatever the language.

use std::collections::HashMap;
use std::path::Path;

use crate::support::{read_csv, run_binary};

/// Runs `demo` into `dir/out` with `extra` arguments.
async fn demo(dir: &Path, out: &str, extra: &[&str]) {
    let mut args = vec!["demo", "--out", out, "--quiet", "--history", "h.sqlite"];
    args.extend_from_slice(extra);
    let output = run_binary(&args, dir).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vietnamese_scorecard_counts_equal_the_items_listed() {
    let dir = tempfile::tempdir().expect("temp dir");
    demo(dir.path(), "vi", &[]).await;
    let scorecard = read_csv(&dir.path().join("vi/scorecard.csv"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("vi/run.json")).expect("run.json"))
            .expect("valid JSON");
    let sites: HashMap<&str, &serde_json::Value> = json["sites"]
        .as_array()
        .expect("sites")
        .iter()
        .map(|s| (s["id"].as_str().expect("id"), s))
        .collect();
    assert!(scorecard.len() >= 14, "one row per fixture site");
    for row in &scorecard {
        let count = |header: &str| -> usize {
            row[header]
                .parse()
                .unwrap_or_else(|_| panic!("{header}: {row:?}"))
        };
        let listed: Vec<&str> = row["Cần bổ sung"]
            .split("; ")
            .filter(|t| !t.is_empty())
            .collect();
        assert_eq!(
            count("Thiếu") + count("Để trống") + count("Quá hạn"),
            listed.len(),
            "the counts add up to the items listed: {row:?}"
        );
        // Report-only items are never counted.
        let findings = sites[row["Mã"].as_str()]["findings"]
            .as_array()
            .expect("findings");
        let scored_needing_action = findings
            .iter()
            .filter(|f| !f["report_only"].as_bool().unwrap_or(false))
            .filter(|f| {
                matches!(
                    f["status"].as_str(),
                    Some("missing" | "placeholder" | "stale")
                )
            })
            .count();
        assert_eq!(listed.len(), scored_needing_action, "{row:?}");
        let counted = ["Đạt", "Thiếu", "Để trống", "Quá hạn", "Không áp dụng"]
            .iter()
            .map(|h| count(h))
            .sum::<usize>();
        let scored = findings
            .iter()
            .filter(|f| !f["report_only"].as_bool().unwrap_or(false))
            .filter(|f| f["status"].as_str() != Some("unknown"))
            .count();
        assert_eq!(
            counted, scored,
            "report-only items are not counted: {row:?}"
        );
    }
    let first = &scorecard[0];
    assert!(first.contains_key("Cơ quan") && first.contains_key("Điểm"));
    assert!(
        ["Đã rà soát", "Máy chủ từ chối kết nối"].contains(&first["Tình trạng rà soát"].as_str()),
        "{first:?}"
    );
    let missing = read_csv(&dir.path().join("vi/missing.csv"));
    assert!(
        missing
            .iter()
            .all(|r| ["Thiếu", "Để trống", "Quá hạn"].contains(&r["Kết quả"].as_str()))
    );
    assert!(missing.iter().any(|r| r["Nơi thường đặt"] == "Menu chính"));
    let matrix = std::fs::read_to_string(dir.path().join("vi/matrix.csv")).expect("matrix");
    assert!(!matrix.contains("'-"), "a lone dash is no formula");
    check_workbook(&dir.path().join("vi/bao-cao.xlsx"), &scorecard);
}

/// The workbook read back: its sheets, its headers, and scores that are
/// numbers equal to the scorecard's.
fn check_workbook(path: &Path, scorecard: &[HashMap<String, String>]) {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(path).expect("the workbook opens");
    assert_eq!(
        book.sheet_names(),
        ["Bảng điểm", "Cần bổ sung", "Ma trận", "Thay đổi"]
    );
    let sheet = book.worksheet_range("Bảng điểm").expect("scorecard sheet");
    assert_eq!(sheet.get((0, 0)), Some(&Data::String("Cơ quan".into())));
    assert_eq!(sheet.get((0, 2)), Some(&Data::String("Điểm".into())));
    assert_eq!(sheet.height(), scorecard.len() + 1, "a row per agency");
    for (r, row) in scorecard.iter().enumerate() {
        assert_eq!(
            sheet.get((r + 1, 0)),
            Some(&Data::String(row["Cơ quan"].clone()))
        );
        match row["Điểm"].parse::<f64>() {
            Ok(score) => assert_eq!(sheet.get((r + 1, 2)), Some(&Data::Float(score)), "{row:?}"),
            Err(_) => assert!(
                matches!(sheet.get((r + 1, 2)), None | Some(Data::Empty)),
                "{row:?}"
            ),
        }
        let missing: f64 = row["Thiếu"].parse().expect("count");
        assert_eq!(sheet.get((r + 1, 5)), Some(&Data::Float(missing)));
    }
    let to_add = book.worksheet_range("Cần bổ sung").expect("to-add sheet");
    assert_eq!(to_add.get((0, 1)), Some(&Data::String("Mục".into())));
    assert!(to_add.height() > 1);
    let matrix = book.worksheet_range("Ma trận").expect("matrix sheet");
    assert_eq!(
        matrix.get((0, 2)),
        Some(&Data::String(
            "Quốc huy/biểu trưng và tên đầy đủ cơ quan".into()
        ))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semicolon_csv_for_vietnamese_excel_and_run_json_the_same_in_both_languages() {
    let dir = tempfile::tempdir().expect("temp dir");
    demo(dir.path(), "vi", &["--csv-delimiter", ";"]).await;
    demo(dir.path(), "en", &["--lang", "en"]).await;
    let scorecard = std::fs::read_to_string(dir.path().join("vi/scorecard.csv")).expect("read");
    let header = scorecard.lines().next().expect("header");
    assert!(header.starts_with("\u{feff}Cơ quan;Loại;Điểm;"), "{header}");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(scorecard.as_bytes());
    let scores: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[2].to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    assert!(
        scores.iter().all(|s| s.contains(',') && !s.contains('.')),
        "decimal commas: {scores:?}"
    );
    assert!(
        dir.path().join("en/report.xlsx").exists(),
        "report.xlsx in English"
    );
    let en = std::fs::read_to_string(dir.path().join("en/scorecard.csv")).expect("read");
    assert!(en.starts_with("\u{feff}site_name,kind,score,"), "{en}");
    let json = |lang: &str| -> serde_json::Value {
        let mut value: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.path().join(lang).join("run.json")).expect("run.json"),
        )
        .expect("valid JSON");
        redact_run(&mut value);
        value
    };
    assert_eq!(json("vi"), json("en"), "run.json does not depend on --lang");
}

/// Drops what differs between two runs of the same sites: timestamps,
/// run numbers, durations, ports, the soft-404 probe's nonce, and the changes (the second
/// run has a previous one).
fn redact_run(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("started_at");
            map.remove("run_id");
            map.remove("duration_seconds");
            map.remove("render_seconds");
            map.remove("millis");
            map.remove("changes");
            for v in map.values_mut() {
                redact_run(v);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_run),
        serde_json::Value::String(s) => {
            let port = regex::Regex::new(r"127\.0\.0\.1:\d+").expect("regex");
            let nonce = regex::Regex::new(r"portal-audit-probe-[0-9a-f]+").expect("regex");
            let redacted = port.replace_all(s, "127.0.0.1:PORT").into_owned();
            *s = nonce.replace_all(&redacted, "probe").into_owned();
        }
        _ => {}
    }
}

/// Every piece of evidence the fixture sites give reads in Vietnamese: once
/// its quotes, selectors and addresses are set aside, no English word of
/// the fixed phrases is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_reads_in_vietnamese() {
    use portal_audit::report::{Lang, evidence_for};
    let served = crate::support::serve_all(portal_audit::fixture_server::embedded_sites()).await;
    let run = crate::support::audit_served(&served).await;
    let protected = regex::Regex::new(r"“[^”]*”|`[^`]*`|https?://\S+").expect("regex");
    // The English words of the fixed phrases evaluation writes.
    let english_words = [
        "link",
        "page",
        "pages",
        "the",
        "on",
        "not",
        "found",
        "date",
        "newest",
        "heading",
        "text",
        "element",
        "address",
        "matches",
        "block",
        "home",
        "image",
        "alt",
        "title",
        "titled",
        "leads",
        "fetched",
        "site",
        "sites",
        "answers",
        "says",
        "only",
        "content",
        "beyond",
        "menus",
        "generic",
        "limit",
        "days",
        "before",
        "listed",
        "served",
        "over",
        "valid",
        "certificate",
        "host",
        "has",
        "no",
        "shows",
        "required",
        "of",
        "legal",
        "basis",
        "in",
        "force",
        "audited",
        "list",
        "all",
        "empty",
        "judge",
        "freshness",
        "off",
    ];
    let mut leftovers = Vec::new();
    for site in &run.sites.to_vec().unwrap() {
        for f in &site.findings {
            let vi = evidence_for(f, Lang::Vi);
            let bare = protected.replace_all(&vi, " ");
            let english: Vec<&str> = bare
                .split(|c: char| c.is_whitespace() || c.is_ascii_punctuation())
                .filter(|w| english_words.contains(w))
                .collect();
            if !english.is_empty() {
                leftovers.push(format!("{english:?} in {vi}"));
            }
        }
    }
    leftovers.sort();
    leftovers.dedup();
    assert!(leftovers.is_empty(), "{}", leftovers.join("\n"));
}
