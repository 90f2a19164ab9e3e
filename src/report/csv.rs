//! The CSV scorecards: one flat serde row struct per file, whose field names
//! are the header, UTF-8 (with a BOM for Excel), and every text cell that a
//! spreadsheet would run as a formula neutralised.

use std::borrow::Cow;
use std::io::Write;

use serde::{Serialize, Serializer};

use super::words::{
    failure_hint, header as header_word, item_title, kind_word, note_text, outcome_word,
    placement_word, regression_word, status_word, titles_to_add,
};
use super::{Lang, ReportInput, ReportOptions, evidence_for, matrix_columns};
use crate::finding::{Finding, Status};
use crate::run::{AuditRun, SiteResult};

/// Makes a cell safe to open in a spreadsheet (OWASP CSV injection): a cell
/// that starts with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
/// apostrophe, so it is shown as text and never evaluated. Plain numbers
/// (`-2.5`, a score change) cannot be formulas and are left as numbers.
#[must_use]
pub fn neutralize_cell(cell: &str) -> Cow<'_, str> {
    let number = |text: &str| text.parse::<f64>().is_ok_and(f64::is_finite);
    // A number with a decimal comma (`-1,6`, for Excel set to Vietnamese)
    // is a number too.
    if number(cell) || (cell.contains(',') && number(&cell.replacen(',', ".", 1))) {
        return Cow::Borrowed(cell);
    }
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A text cell, written neutralised (see [`neutralize_cell`]).
#[derive(Debug, Default)]
struct Text<'a>(Cow<'a, str>);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&neutralize_cell(&self.0))
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(value: &'a str) -> Self {
        Self(Cow::Borrowed(value))
    }
}

impl From<String> for Text<'_> {
    fn from(value: String) -> Self {
        Self(Cow::Owned(value))
    }
}

/// A row of `scorecard.csv`: what a leader reads first (agency, score,
/// counts, what to add), then the technical columns; the targets file's
/// extra columns follow it.
#[derive(Debug, Default, Serialize)]
struct ScorecardRow<'a> {
    site_name: Text<'a>,
    kind: Text<'a>,
    score: Text<'a>,
    score_change: Text<'a>,
    present: usize,
    missing: usize,
    placeholder: usize,
    stale: usize,
    to_add: Text<'a>,
    outcome: Text<'a>,
    site_id: Text<'a>,
    url: Text<'a>,
    final_url: Text<'a>,
    status_code: Text<'a>,
    errors: Text<'a>,
    checklist: Text<'a>,
    ruleset: Text<'a>,
    as_of: Text<'a>,
    pages_crawled: usize,
    not_applicable: usize,
    missing_items: Text<'a>,
    notes: Text<'a>,
    incomplete: Text<'a>,
}

/// A row of `findings.csv` and `missing.csv`.
#[derive(Debug, Default, Serialize)]
struct FindingRow<'a> {
    site_id: Text<'a>,
    site_name: Text<'a>,
    item_id: Text<'a>,
    item_title: Text<'a>,
    status: Text<'a>,
    evidence_url: Text<'a>,
    evidence: Text<'a>,
    pages_searched: Option<usize>,
    placement: Text<'a>,
    basis: Text<'a>,
    weight: Text<'a>,
    as_of: Text<'a>,
}

/// A row of `changes.csv`.
#[derive(Debug, Default, Serialize)]
struct ChangeRow<'a> {
    site_id: Text<'a>,
    site_name: Text<'a>,
    item_id: Text<'a>,
    item_title: Text<'a>,
    before: Text<'a>,
    after: Text<'a>,
    regression: Text<'a>,
}

/// The header serde derives for `T`: its field names, as the csv crate
/// writes them above a row.
fn header_of<T: Serialize + Default>() -> anyhow::Result<csv::StringRecord> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(T::default())?;
    let bytes = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("cannot finish CSV: {e}"))?;
    Ok(csv::Reader::from_reader(bytes.as_slice())
        .headers()?
        .clone())
}

/// A CSV writer into `out`, with the BOM if asked for. Headers are written
/// by the callers, so that a file with no rows still has one.
fn writer_into<W: Write>(mut out: W, options: ReportOptions) -> std::io::Result<csv::Writer<W>> {
    if options.bom {
        out.write_all(b"\xEF\xBB\xBF")?;
    }
    Ok(csv::WriterBuilder::new()
        .has_headers(false)
        .delimiter(options.delimiter)
        .from_writer(out))
}

/// Writes a row of plain cells (a header, a matrix row), neutralised.
fn write_cells<W: Write, I, S>(w: &mut csv::Writer<W>, cells: I) -> csv::Result<()>
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

fn finish<W: Write>(w: csv::Writer<W>) -> anyhow::Result<W> {
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot finish CSV: {e}"))
}

/// Extra target columns, in the order of the first target that has them.
fn extra_columns(run: &AuditRun) -> std::io::Result<Vec<String>> {
    let mut columns: Vec<String> = Vec::new();
    for site in run.sites.iter() {
        for (name, _) in &site?.target.extra {
            if !columns.contains(name) {
                columns.push(name.clone());
            }
        }
    }
    Ok(columns)
}

/// A score as written: one decimal, empty when there is none.
fn one_decimal(value: Option<f64>, options: ReportOptions) -> Text<'static> {
    Text::from(
        value
            .map(|v| with_decimal_mark(format!("{v:.1}"), options))
            .unwrap_or_default(),
    )
}

/// A number as the reader's spreadsheet reads it: with `;` as the
/// separator (Excel set to Vietnamese), the decimal mark is a comma.
fn with_decimal_mark(number: String, options: ReportOptions) -> String {
    if options.delimiter == b';' {
        number.replace('.', ",")
    } else {
        number
    }
}

/// `scorecard.csv`: one row per target, in targets-file order, then the
/// targets file's extra columns.
///
/// # Errors
/// When writing to `out` fails.
pub fn scorecard_csv<W: Write>(
    input: ReportInput<'_>,
    options: ReportOptions,
    out: W,
) -> anyhow::Result<W> {
    let run = input.run;
    let extra = extra_columns(run)?;
    let mut w = writer_into(out, options)?;
    let header = header_of::<ScorecardRow>()?;
    write_cells(
        &mut w,
        header
            .iter()
            .map(|h| header_word(h, options.lang))
            .chain(extra.iter().map(String::as_str)),
    )?;
    for site in run.sites.iter() {
        let site = &*site?;
        let change = input
            .changes
            .score_change(&site.target.id)
            .map(|c| with_decimal_mark(format!("{c:+.1}"), options))
            .unwrap_or_default();
        let values: Vec<Text<'_>> = extra
            .iter()
            .map(|column| {
                site.target
                    .extra
                    .iter()
                    .find(|(n, _)| n == column)
                    .map_or(Text::default(), |(_, v)| Text::from(v.as_str()))
            })
            .collect();
        w.serialize((scorecard_row(site, run, change, options), values))?;
    }
    finish(w)
}

fn scorecard_row<'a>(
    site: &'a SiteResult,
    run: &AuditRun,
    change: String,
    options: ReportOptions,
) -> ScorecardRow<'a> {
    let (s, lang) = (&site.score, options.lang);
    let failure = site.status.failure();
    let errors = match (failure, lang) {
        (None, _) => String::new(),
        (Some(kind), Lang::En) => format!("{}: {}", kind.code(), kind.hint()),
        (Some(kind), Lang::Vi) => format!(
            "{}: {}",
            outcome_word(Some(kind), lang),
            failure_hint(kind, lang)
        ),
    };
    let kind = match lang {
        Lang::En => site.target.kind.as_str(),
        Lang::Vi => kind_word(site.target.kind, lang),
    };
    ScorecardRow {
        site_name: site.target.name.as_str().into(),
        kind: kind.into(),
        score: one_decimal(s.score, options),
        score_change: change.into(),
        present: s.present,
        missing: s.missing,
        placeholder: s.placeholder,
        stale: s.stale,
        to_add: titles_to_add(site, lang).into(),
        outcome: outcome_word(failure, lang).into(),
        site_id: site.target.id.as_str().into(),
        url: site.target.url.as_str().into(),
        final_url: site.final_url.as_ref().map_or("", url::Url::as_str).into(),
        status_code: site.status.code().into(),
        errors: errors.into(),
        checklist: site.checklist.as_str().into(),
        ruleset: site.ruleset.as_str().into(),
        as_of: run.as_of.to_string().into(),
        pages_crawled: site.pages_crawled,
        not_applicable: s.not_applicable,
        missing_items: s.needs_action.join(" ").into(),
        notes: notes_text(site, lang).into(),
        incomplete: incomplete_marker(site, run, lang).into(),
    }
}

/// The site's notes in `lang`, `;`-separated.
fn notes_text(site: &SiteResult, lang: Lang) -> String {
    site.notes
        .iter()
        .map(|n| note_text(n, lang))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A status in a CSV cell: a leader's word in Vietnamese, the stable code
/// in English.
fn status_cell(status: Status, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => status_word(status, lang),
        Lang::En => status.as_str(),
    }
}

/// `interrupted` on every row of a run stopped part-way, so nobody mistakes a
/// partial scorecard for a whole one.
fn incomplete_marker(site: &SiteResult, run: &AuditRun, lang: Lang) -> &'static str {
    match (run.interrupted || site.crawl.interrupted, lang) {
        (false, _) => "",
        (true, Lang::Vi) => "Bị dừng giữa chừng",
        (true, Lang::En) => "interrupted",
    }
}

fn finding_row<'a>(
    site: &'a SiteResult,
    f: &'a Finding,
    run: &AuditRun,
    options: ReportOptions,
) -> FindingRow<'a> {
    let lang = options.lang;
    // A missing item says where we looked in plain words; run.json keeps the
    // signals tried.
    let evidence = evidence_for(f, lang).into_owned().into();
    FindingRow {
        site_id: site.target.id.as_str().into(),
        site_name: site.target.name.as_str().into(),
        item_id: (&*f.item_id).into(),
        item_title: item_title(f, lang).into(),
        status: status_cell(f.status, lang).into(),
        evidence_url: f.evidence_url.as_deref().unwrap_or_default().into(),
        evidence,
        pages_searched: f.pages_searched,
        placement: placement_word(f.placement, lang).into(),
        basis: (&*f.basis).into(),
        weight: with_decimal_mark(format!("{}", f.weight), options).into(),
        as_of: run.as_of.to_string().into(),
    }
}

fn findings_where<W: Write>(
    out: W,
    run: &AuditRun,
    options: ReportOptions,
    keep: impl Fn(&Finding) -> bool,
) -> anyhow::Result<W> {
    let mut w = writer_into(out, options)?;
    let header = header_of::<FindingRow>()?;
    write_cells(&mut w, header.iter().map(|h| header_word(h, options.lang)))?;
    for site in run.sites.iter() {
        let site = &*site?;
        for f in site.findings.iter().filter(|f| keep(f)) {
            w.serialize(finding_row(site, f, run, options))?;
        }
    }
    finish(w)
}

/// `findings.csv`: one row per site and item.
///
/// # Errors
/// Only if the CSV writer fails in memory.
pub fn findings_csv(run: &AuditRun, options: ReportOptions) -> anyhow::Result<Vec<u8>> {
    findings_where(Vec::new(), run, options, |_| true)
}

/// `findings.csv` written to `out` as it goes: a row per site and item is
/// the largest CSV (13 KB per unreachable site), too large to build first.
///
/// # Errors
/// When writing fails.
pub fn write_findings_csv(
    run: &AuditRun,
    options: ReportOptions,
    out: impl Write,
) -> anyhow::Result<()> {
    findings_where(out, run, options, |_| true)?;
    Ok(())
}

/// `missing.csv`: only the rows that need action (missing, placeholder,
/// stale), report-only items left out.
///
/// # Errors
/// When writing to `out` fails.
pub fn missing_csv<W: Write>(run: &AuditRun, options: ReportOptions, out: W) -> anyhow::Result<W> {
    findings_where(out, run, options, |f| f.to_fix())
}

/// `changes.csv`: one row per item whose status changed since the previous
/// run of the same site.
///
/// # Errors
/// When writing to `out` fails.
pub fn changes_csv<W: Write>(
    input: ReportInput<'_>,
    options: ReportOptions,
    out: W,
) -> anyhow::Result<W> {
    let mut w = writer_into(out, options)?;
    let lang = options.lang;
    let header = header_of::<ChangeRow>()?;
    write_cells(&mut w, header.iter().map(|h| header_word(h, lang)))?;
    let mut sites = input.run.sites.finder();
    for c in &input.changes.items {
        let site = sites.find(&c.site_id)?;
        let title = site
            .and_then(|s| s.findings.iter().find(|f| *f.item_id == *c.item_id))
            .map_or("", |f| item_title(f, lang));
        w.serialize(ChangeRow {
            site_id: c.site_id.as_str().into(),
            site_name: site.map_or("", |s| s.target.name.as_str()).into(),
            item_id: c.item_id.as_str().into(),
            item_title: title.into(),
            before: c.before.map_or("", |s| status_cell(s, lang)).into(),
            after: c.after.map_or("", |s| status_cell(s, lang)).into(),
            regression: regression_word(c.is_regression(), lang).into(),
        })?;
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
/// When writing to `out` fails.
pub fn matrix_csv<W: Write>(run: &AuditRun, options: ReportOptions, out: W) -> anyhow::Result<W> {
    let items = matrix_columns(run)?;
    let mut w = writer_into(out, options)?;
    let lang = options.lang;
    let header: Vec<String> = ["site_id", "site_name", "score"]
        .iter()
        .map(|h| header_word(h, lang).to_owned())
        .chain(items.iter().map(|f| match lang {
            Lang::Vi => short_title(&f.item_title).to_owned(),
            Lang::En => f.item_id.to_string(),
        }))
        .collect();
    write_cells(&mut w, header)?;
    for site in run.sites.iter() {
        let site = &*site?;
        // Names are neutralised; the one-letter codes are written as they
        // are (a lone `-` is no formula).
        let mut row = vec![
            neutralize_cell(&site.target.id).into_owned(),
            neutralize_cell(&site.target.name).into_owned(),
            one_decimal(site.score.score, options).0.into_owned(),
        ];
        for item in &items {
            let code = site
                .findings
                .iter()
                .find(|f| f.item_id == item.item_id)
                .map_or("", |f| status_code(f.status));
            row.push(code.to_owned());
        }
        w.write_record(row)?;
    }
    finish(w)
}

/// An item's title cut to its first part ("Công khai ngân sách; báo cáo tài
/// chính năm" → "Công khai ngân sách"), for a column header.
#[must_use]
pub fn short_title(title: &str) -> &str {
    let first = title.split([';', '(']).next().unwrap_or(title).trim();
    if first.chars().count() <= 32 {
        return first;
    }
    first.split(',').next().unwrap_or(first).trim()
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
        assert_eq!(neutralize_cell("-1,6"), "-1,6");
        assert!(neutralize_cell("-1,6,7").starts_with('\''));
    }

    #[test]
    fn headers_come_from_the_row_structs() {
        let header = header_of::<FindingRow>().unwrap();
        assert_eq!(header.len(), 12);
        assert_eq!(&header[0], "site_id");
        assert_eq!(&header[11], "as_of");
        let scorecard = header_of::<ScorecardRow>().unwrap();
        assert_eq!(scorecard.len(), 23);
        assert_eq!(&scorecard[0], "site_name");
        assert_eq!(&scorecard[2], "score");
    }

    #[test]
    fn short_titles_for_matrix_headers() {
        assert_eq!(
            short_title("Công khai ngân sách; báo cáo tài chính năm"),
            "Công khai ngân sách"
        );
        assert_eq!(
            short_title("Thông tin tiếng Anh (tổ chức, chức năng, liên hệ)"),
            "Thông tin tiếng Anh"
        );
    }
}
