//! What leaders print: a fix list on A4 portrait and `report.html` on A4
//! landscape, printed to PDF by headless Chromium with print media. The
//! words' boxes (pdftotext -bbox) must lie within the printable width, at a
//! size a person can read (a page shrunk to fit would pass the width test
//! with unreadable text).

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use portal_audit::fixture_server::embedded_sites;
use portal_audit::report::{Lang, render_fix_list, render_html};

use crate::html_report::{CHROMIUM, chromium};
use crate::support::{audit_served, serve_all};

/// Points per millimetre.
const PT_PER_MM: f64 = 72.0 / 25.4;

/// One word's box on one page of a PDF, in points.
struct Word {
    page: usize,
    y_min: f64,
    page_width: f64,
    x_min: f64,
    x_max: f64,
    height: f64,
    text: String,
}

fn attr(tag: &str, name: &str) -> f64 {
    let start = tag.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
    let end = tag[start..].find('"').expect("closing quote") + start;
    tag[start..end].parse().expect("a number")
}

/// The words of `pdf` with their boxes, from `pdftotext -bbox`.
fn words(pdf: &Path) -> Vec<Word> {
    let out = pdf.with_extension("bbox.html");
    let status = Command::new("pdftotext")
        .arg("-bbox")
        .arg(pdf)
        .arg(&out)
        .status()
        .expect("run pdftotext");
    assert!(status.success(), "pdftotext failed");
    let text = std::fs::read_to_string(&out).expect("bbox output");
    let mut words = Vec::new();
    let (mut page_width, mut page) = (0.0, 0);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            page_width = attr(line, "width");
            page += 1;
        } else if line.starts_with("<word ") {
            let text = line[line.find('>').expect("tag end") + 1..]
                .trim_end_matches("</word>")
                .to_owned();
            words.push(Word {
                page,
                y_min: attr(line, "yMin"),
                page_width,
                x_min: attr(line, "xMin"),
                x_max: attr(line, "xMax"),
                height: attr(line, "yMax") - attr(line, "yMin"),
                text,
            });
        }
    }
    words
}

/// Prints `html` to PDF and checks every word sits inside the printable
/// width of an A4 page `page_mm` wide with `margin_mm` margins; returns the
/// words. (Chromium clips what passes the page's edge, so callers also
/// check that the words of the rightmost column are all there.)
fn check_print(dir: &Path, name: &str, html: &str, page_mm: f64, margin_mm: f64) -> Vec<Word> {
    let page = dir.join(format!("{name}.html"));
    std::fs::write(&page, html).expect("write page");
    let pdf = dir.join(format!("{name}.pdf"));
    chromium(
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".into(),
        ],
        &page,
    );
    let words = words(&pdf);
    assert!(words.len() > 20, "{name}: the PDF has text");
    let width = page_mm * PT_PER_MM;
    let (left, right) = (margin_mm * PT_PER_MM, width - margin_mm * PT_PER_MM);
    for word in &words {
        assert!(
            (word.page_width - width).abs() < 2.0,
            "{name}: page {} pt wide, not A4's {width:.0}",
            word.page_width
        );
        assert!(
            word.x_min >= left - 2.0 && word.x_max <= right + 2.0,
            "{name}: “{}” at {:.0}–{:.0} pt lies outside the printable width {left:.0}–{right:.0}",
            word.text,
            word.x_min,
            word.x_max
        );
    }
    let mut heights: Vec<f64> = words.iter().map(|w| w.height).collect();
    heights.sort_by(f64::total_cmp);
    let median = heights[heights.len() / 2];
    assert!(median >= 6.0, "{name}: text shrunk to {median:.1} pt");
    words
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_list_and_report_print_on_a4() {
    let pdftotext = Command::new("pdftotext").arg("-v").output().is_ok();
    if !Path::new(CHROMIUM).exists() || !pdftotext {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: chromium or pdftotext not installed (apt-get install chromium poppler-utils)"
        );
        return;
    }
    let served = serve_all(embedded_sites()).await;
    let run = audit_served(&served).await;
    let sites = run.sites.to_vec().expect("sites");
    drop(served);
    let dir = tempfile::tempdir().expect("temp dir");
    let site = sites
        .iter()
        .find(|s| s.target.id == "so-tieu-de-gay-nham")
        .expect("fixture site");
    let words = check_print(
        dir.path(),
        "fix-list",
        &render_fix_list(&run, site, Lang::Vi),
        210.0,
        15.0,
    );
    // The last column, "Nơi thường đặt", is there for every row.
    let rows = site
        .findings
        .iter()
        .filter(|f| f.status.needs_action() && !f.report_only)
        .count();
    let placements = words
        .iter()
        .filter(|w| ["Menu", "Chân", "Đầu", "Trên", "Cấu"].contains(&w.text.as_str()))
        .count();
    assert!(
        rows > 5 && placements >= rows,
        "{placements} of {rows} rows"
    );
    let words = check_print(
        dir.path(),
        "report",
        &render_html(&run, &[], Lang::Vi),
        297.0,
        10.0,
    );
    // Every cell of the matrix is printed, none cut off at the right edge:
    // some printed line holds as many codes as the fullest row has cells.
    // (Lone dashes are left out: evidence text has them too.)
    let cells = sites
        .iter()
        .map(|s| {
            s.findings
                .iter()
                .filter(|f| f.status != portal_audit::finding::Status::NotApplicable)
                .count()
        })
        .max()
        .unwrap_or(0);
    let mut lines: std::collections::HashMap<(usize, i64), usize> =
        std::collections::HashMap::new();
    for word in words
        .iter()
        .filter(|w| ["P", "M", "E", "S", "U"].contains(&w.text.as_str()))
    {
        *lines
            .entry((word.page, word.y_min.round() as i64))
            .or_default() += 1;
    }
    let letters = lines.values().copied().max().unwrap_or(0);
    assert!(
        letters >= cells,
        "at most {letters} codes printed in a row of {cells} cells"
    );
}
