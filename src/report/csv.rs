//! The CSV scorecards: flat rows, stable columns, UTF-8 (with a BOM for Excel),
//! and every cell that a spreadsheet would run as a formula neutralised.

use std::borrow::Cow;

use super::ReportOptions;
use crate::audit::{AuditRun, SiteResult};
use crate::finding::{Change, Finding, Status};
use crate::history::Previous;

const SCORECARD_COLUMNS: [&str; 21] = [
    "site_id",
    "site_name",
    "kind",
    "url",
    "final_url",
    "status",
    "errors",
    "checklist",
    "ruleset",
    "as_of",
    "pages_crawled",
    "score",
    "score_change",
    "present",
    "missing",
    "placeholder",
    "stale",
    "not_applicable",
    "missing_items",
    "notes",
    "incomplete",
];

const FINDING_COLUMNS: [&str; 11] = [
    "site_id",
    "site_name",
    "item_id",
    "item_title",
    "status",
    "evidence_url",
    "evidence",
    "pages_searched",
    "basis",
    "weight",
    "as_of",
];

/// Makes a cell safe to open in a spreadsheet (OWASP CSV injection): a cell
/// that starts with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
/// apostrophe, so it is shown as text and never evaluated. Plain numbers
/// (`-2.5`, a score change) cannot be formulas and are left as numbers.
#[must_use]
pub fn neutralize_cell(cell: &str) -> Cow<'_, str> {
    if cell.parse::<f64>().is_ok_and(f64::is_finite) {
        return Cow::Borrowed(cell);
    }
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

fn writer(options: ReportOptions) -> csv::Writer<Vec<u8>> {
    let mut buffer = Vec::new();
    if options.bom {
        buffer.extend_from_slice(b"\xEF\xBB\xBF");
    }
    csv::WriterBuilder::new().from_writer(buffer)
}

fn write_row<I, S>(w: &mut csv::Writer<Vec<u8>>, cells: I) -> csv::Result<()>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    w.write_record(
        cells
            .into_iter()
            .map(|c| neutralize_cell(c.as_ref()).into_owned()),
    )
}

fn finish(w: csv::Writer<Vec<u8>>) -> anyhow::Result<Vec<u8>> {
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot finish CSV: {e}"))
}

/// Extra target columns, in the order of the first target that has them.
fn extra_columns(run: &AuditRun) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for site in &run.sites {
        for (name, _) in &site.target.extra {
            if !columns.contains(name) {
                columns.push(name.clone());
            }
        }
    }
    columns
}

/// `scorecard.csv`: one row per target, in targets-file order.
///
/// # Errors
/// Only if the CSV writer fails in memory.
pub fn scorecard_csv(
    run: &AuditRun,
    previous: &Previous,
    options: ReportOptions,
) -> anyhow::Result<Vec<u8>> {
    let extra = extra_columns(run);
    let mut w = writer(options);
    write_row(
        &mut w,
        SCORECARD_COLUMNS
            .iter()
            .map(|c| (*c).to_owned())
            .chain(extra.iter().cloned()),
    )?;
    for site in &run.sites {
        let mut row = scorecard_row(site, run, previous);
        for column in &extra {
            row.push(
                site.target
                    .extra
                    .iter()
                    .find(|(n, _)| n == column)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            );
        }
        write_row(&mut w, row)?;
    }
    finish(w)
}

fn scorecard_row(site: &SiteResult, run: &AuditRun, previous: &Previous) -> Vec<String> {
    let change = match (
        site.score.score,
        previous.scores.get(&site.target.id).copied().flatten(),
    ) {
        (Some(now), Some(before)) => format!("{:+.1}", now - before),
        _ => String::new(),
    };
    let s = &site.score;
    let errors = match &site.status {
        crate::audit::SiteStatus::Ok => String::new(),
        crate::audit::SiteStatus::Failed(f) => format!("{}: {}", f.kind.code(), f.kind.hint()),
    };
    vec![
        site.target.id.clone(),
        site.target.name.clone(),
        site.target.kind.to_string(),
        site.target.url.to_string(),
        site.final_url
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        site.status.code().to_owned(),
        errors,
        site.checklist.clone(),
        site.ruleset.clone(),
        run.as_of.to_string(),
        site.pages_crawled.to_string(),
        s.score.map(|v| format!("{v:.1}")).unwrap_or_default(),
        change,
        s.present.to_string(),
        s.missing.to_string(),
        s.placeholder.to_string(),
        s.stale.to_string(),
        s.not_applicable.to_string(),
        s.needs_action.join(" "),
        site.notes.join("; "),
        incomplete_marker(site, run).to_owned(),
    ]
}

/// `interrupted` on every row of a run stopped part-way, so nobody mistakes a
/// partial scorecard for a whole one.
fn incomplete_marker(site: &SiteResult, run: &AuditRun) -> &'static str {
    if run.interrupted || site.crawl.interrupted {
        "interrupted"
    } else {
        ""
    }
}

fn finding_row(site: &SiteResult, f: &Finding, run: &AuditRun) -> Vec<String> {
    vec![
        site.target.id.clone(),
        site.target.name.clone(),
        f.item_id.clone(),
        f.item_title.clone(),
        f.status.to_string(),
        f.evidence_url.clone().unwrap_or_default(),
        f.evidence.clone(),
        f.pages_searched.map(|n| n.to_string()).unwrap_or_default(),
        f.basis.clone(),
        format!("{}", f.weight),
        run.as_of.to_string(),
    ]
}

fn findings_where(
    run: &AuditRun,
    options: ReportOptions,
    keep: impl Fn(&Finding) -> bool,
) -> anyhow::Result<Vec<u8>> {
    let mut w = writer(options);
    write_row(&mut w, FINDING_COLUMNS)?;
    for site in &run.sites {
        for f in site.findings.iter().filter(|f| keep(f)) {
            write_row(&mut w, finding_row(site, f, run))?;
        }
    }
    finish(w)
}

/// `findings.csv`: one row per site and item.
///
/// # Errors
/// Only if the CSV writer fails in memory.
pub fn findings_csv(run: &AuditRun, options: ReportOptions) -> anyhow::Result<Vec<u8>> {
    findings_where(run, options, |_| true)
}

/// `missing.csv`: only the rows that need action (missing, placeholder,
/// stale), report-only items left out.
///
/// # Errors
/// Only if the CSV writer fails in memory.
pub fn missing_csv(run: &AuditRun, options: ReportOptions) -> anyhow::Result<Vec<u8>> {
    findings_where(run, options, |f| f.status.needs_action() && !f.report_only)
}

/// `changes.csv`: one row per item whose status changed since the previous
/// run of the same site.
///
/// # Errors
/// Only if the CSV writer fails in memory.
pub fn changes_csv(
    run: &AuditRun,
    changes: &[Change],
    options: ReportOptions,
) -> anyhow::Result<Vec<u8>> {
    let mut w = writer(options);
    write_row(
        &mut w,
        [
            "site_id",
            "site_name",
            "item_id",
            "item_title",
            "before",
            "after",
            "regression",
        ],
    )?;
    for c in changes {
        let site = run.sites.iter().find(|s| s.target.id == c.site_id);
        let title = site
            .and_then(|s| s.findings.iter().find(|f| f.item_id == c.item_id))
            .map(|f| f.item_title.clone())
            .unwrap_or_default();
        write_row(
            &mut w,
            [
                c.site_id.clone(),
                site.map(|s| s.target.name.clone()).unwrap_or_default(),
                c.item_id.clone(),
                title,
                c.before.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                c.after.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                if c.is_regression() {
                    "yes".to_owned()
                } else {
                    String::new()
                },
            ],
        )?;
    }
    finish(w)
}

/// The one-letter code of a status in `matrix.csv`.
#[must_use]
pub fn status_code(status: Status) -> &'static str {
    match status {
        Status::Present => "P",
        Status::Missing => "M",
        Status::Placeholder => "E",
        Status::Stale => "S",
        Status::Unknown => "U",
        Status::NotApplicable => "-",
    }
}

/// `matrix.csv`: agencies × items, one short code per cell (P present,
/// M missing, E empty placeholder, S stale, U unknown, - not applicable).
///
/// # Errors
/// Only if the CSV writer fails in memory.
pub fn matrix_csv(run: &AuditRun, options: ReportOptions) -> anyhow::Result<Vec<u8>> {
    let mut items: Vec<&str> = Vec::new();
    for site in &run.sites {
        for f in &site.findings {
            if !items.contains(&f.item_id.as_str()) {
                items.push(&f.item_id);
            }
        }
    }
    let mut w = writer(options);
    write_row(
        &mut w,
        ["site_id", "site_name", "score"]
            .into_iter()
            .chain(items.iter().copied()),
    )?;
    for site in &run.sites {
        let mut row = vec![
            site.target.id.clone(),
            site.target.name.clone(),
            site.score
                .score
                .map(|v| format!("{v:.1}"))
                .unwrap_or_default(),
        ];
        for item in &items {
            let code = site
                .findings
                .iter()
                .find(|f| f.item_id == *item)
                .map_or("", |f| status_code(f.status));
            row.push(code.to_owned());
        }
        write_row(&mut w, row)?;
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in [
            "=HYPERLINK(\"x\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "-",
            "+inf",
        ] {
            assert!(neutralize_cell(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralize_cell("Sở Tư pháp"), "Sở Tư pháp");
        assert_eq!(neutralize_cell("12.5"), "12.5");
        assert_eq!(neutralize_cell("-2.5"), "-2.5");
    }
}
