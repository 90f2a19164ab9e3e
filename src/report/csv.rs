//! The CSV scorecards: flat rows, stable columns, UTF-8 (with a BOM for Excel),
//! and every cell that a spreadsheet would run as a formula neutralised.

use std::borrow::Cow;

use super::ReportOptions;
use crate::audit::{AuditRun, SiteResult};
use crate::finding::Finding;

const SCORECARD_COLUMNS: [&str; 19] = [
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
    "present",
    "missing",
    "placeholder",
    "stale",
    "not_applicable",
    "missing_items",
    "notes",
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
/// apostrophe, so it is shown as text and never evaluated.
#[must_use]
pub fn neutralize_cell(cell: &str) -> Cow<'_, str> {
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
pub fn scorecard_csv(run: &AuditRun, options: ReportOptions) -> anyhow::Result<Vec<u8>> {
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
        let mut row = scorecard_row(site, run);
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

fn scorecard_row(site: &SiteResult, run: &AuditRun) -> Vec<String> {
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
        s.present.to_string(),
        s.missing.to_string(),
        s.placeholder.to_string(),
        s.stale.to_string(),
        s.not_applicable.to_string(),
        s.needs_action.join(" "),
        site.notes.join("; "),
    ]
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

/// `missing.csv`: only the rows that need action (missing, placeholder, stale).
///
/// # Errors
/// Only if the CSV writer fails in memory.
pub fn missing_csv(run: &AuditRun, options: ReportOptions) -> anyhow::Result<Vec<u8>> {
    findings_where(run, options, |f| f.status.needs_action())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralize_cell(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralize_cell("Sở Tư pháp"), "Sở Tư pháp");
        assert_eq!(neutralize_cell("12.5"), "12.5");
    }
}
