//! The Excel workbook leaders open (`bao-cao.xlsx`; `report.xlsx` in
//! English): the scorecard, the items each agency must add, the coloured
//! matrix and the changes since the last run. Scores are numbers, headers
//! are frozen and filtered, columns are sized to their content, and text is
//! written as text, so it opens the same in any locale and nothing in it is
//! ever run as a formula.
//!
//! Every sheet is written row by row in rust_xlsxwriter's "low memory" mode:
//! a row goes to a temporary file in the output folder as soon as the next
//! one starts (the matrix alone held about 100 MB at 10,000 sites), while
//! the strings stay shared as in a standard workbook.

use std::path::Path;

use anyhow::Context as _;
use rust_xlsxwriter::{Color, Format, Note, Workbook, Worksheet, XlsxError};

use super::csv::short_title;
use super::words::{
    header, item_title, kind_word, outcome_word, placement_word, regression_word, status_word,
    titles_to_add,
};
use super::{Lang, ReportInput, evidence_for, matrix_columns, status_code};
use crate::finding::Status;

/// Widest a column is made, in characters; longer text wraps.
const MAX_WIDTH: usize = 60;

/// The workbook's file name in `lang`.
#[must_use]
pub fn workbook_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => "bao-cao.xlsx",
        Lang::En => "report.xlsx",
    }
}

/// The workbook's bytes; its sheets' rows wait in temporary files in
/// `scratch` until it is assembled.
///
/// # Errors
/// When the workbook cannot be assembled (a sheet larger than Excel allows),
/// or a temporary file cannot be made.
pub fn workbook(input: ReportInput<'_>, lang: Lang, scratch: &Path) -> anyhow::Result<Vec<u8>> {
    // rust_xlsxwriter makes each sheet's first temporary file in the system's
    // temporary folder, and panics if it cannot: ask first.
    tempfile::tempfile().with_context(|| {
        format!(
            "cannot write the workbook: no temporary file can be made in {} (set TMPDIR)",
            std::env::temp_dir().display()
        )
    })?;
    let mut book = Workbook::new();
    book.set_tempdir(scratch)
        .with_context(|| format!("cannot make temporary files in {}", scratch.display()))?;
    let names = match lang {
        Lang::Vi => ["Bảng điểm", "Cần bổ sung", "Ma trận", "Thay đổi"],
        Lang::En => ["Scorecard", "To add", "Matrix", "Changes"],
    };
    let sheet = book.add_worksheet_with_low_memory().set_name(names[0])?;
    scorecard_sheet(sheet, input, lang)?;
    let sheet = book.add_worksheet_with_low_memory().set_name(names[1])?;
    to_add_sheet(sheet, input, lang)?;
    let sheet = book.add_worksheet_with_low_memory().set_name(names[2])?;
    matrix_sheet(sheet, input, lang)?;
    let sheet = book.add_worksheet_with_low_memory().set_name(names[3])?;
    changes_sheet(sheet, input, lang)?;
    Ok(book.save_to_buffer()?)
}

/// One cell's value.
enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        if text.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(text.to_owned())
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::from(text.as_str())
    }
}

fn number(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, Cell::Number)
}

fn count(value: usize) -> Cell {
    Cell::Number(value as f64)
}

/// Writes a table: a bold header row, frozen and filtered, then `rows` in
/// order, each as it comes; columns are sized to their content (at most
/// [`MAX_WIDTH`], text wraps).
fn write_table(
    sheet: &mut Worksheet,
    headers: &[&str],
    rows: impl Iterator<Item = Result<Vec<Cell>, XlsxError>>,
) -> Result<(), XlsxError> {
    let bold = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0x00E0_F0F5));
    let wrap = Format::new().set_text_wrap();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count() + 2).collect();
    for (col, title) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    let mut last_row = 0;
    for row in rows {
        let row = row?;
        last_row += 1;
        let r = last_row;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            match cell {
                Cell::Text(text) => {
                    widths[c] = widths[c].max(text.chars().count() + 2);
                    sheet.write_string_with_format(r, col, text, &wrap)?;
                }
                Cell::Number(value) => {
                    widths[c] = widths[c].max(8);
                    sheet.write_number(r, col, *value)?;
                }
                Cell::Empty => {}
            }
        }
    }
    for (c, width) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*width).min(MAX_WIDTH) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, headers.len().saturating_sub(1) as u16)?;
    Ok(())
}

fn scorecard_sheet(
    sheet: &mut Worksheet,
    input: ReportInput<'_>,
    lang: Lang,
) -> Result<(), XlsxError> {
    let fields = [
        "site_name",
        "kind",
        "score",
        "score_change",
        "present",
        "missing",
        "placeholder",
        "stale",
        "to_add",
        "outcome",
        "site_id",
        "url",
        "status_code",
        "as_of",
    ];
    let headers: Vec<&str> = fields.iter().map(|f| header(f, lang)).collect();
    let rows = input.run.sites.iter().map(|site| {
        let site = site?;
        let s = &site.score;
        let failure = site.status.failure();
        Ok(vec![
            Cell::from(site.target.name.as_str()),
            Cell::from(kind_word(site.target.kind, lang)),
            number(s.score),
            number(input.changes.score_change(&site.target.id)),
            count(s.present),
            count(s.missing),
            count(s.placeholder),
            count(s.stale),
            Cell::from(titles_to_add(&site, lang)),
            Cell::from(outcome_word(failure, lang)),
            Cell::from(site.target.id.as_str()),
            Cell::from(site.target.url.as_str()),
            Cell::from(site.status.code()),
            Cell::from(input.run.as_of.to_string()),
        ])
    });
    write_table(sheet, &headers, rows)
}

fn to_add_sheet(
    sheet: &mut Worksheet,
    input: ReportInput<'_>,
    lang: Lang,
) -> Result<(), XlsxError> {
    let fields = [
        "site_name",
        "item_title",
        "status",
        "placement",
        "basis",
        "evidence",
        "evidence_url",
        "site_id",
        "item_id",
    ];
    let headers: Vec<&str> = fields.iter().map(|f| header(f, lang)).collect();
    let rows = input.run.sites.iter().flat_map(|site| {
        let rows: Vec<Result<Vec<Cell>, XlsxError>> = match site {
            Err(e) => vec![Err(XlsxError::IoError(e))],
            Ok(site) => to_add_rows(&site, lang).into_iter().map(Ok).collect(),
        };
        rows
    });
    write_table(sheet, &headers, rows)
}

/// The rows of `site` in the sheet of what to add.
fn to_add_rows(site: &crate::run::SiteResult, lang: Lang) -> Vec<Vec<Cell>> {
    site.findings
        .iter()
        .filter(|f| f.to_fix())
        .map(|f| {
            vec![
                Cell::from(site.target.name.as_str()),
                Cell::from(item_title(f, lang)),
                Cell::from(status_word(f.status, lang)),
                Cell::from(placement_word(f.placement, lang)),
                Cell::from(&*f.basis),
                Cell::from(evidence_for(f, lang).into_owned()),
                Cell::from(f.evidence_url.as_deref().unwrap_or_default()),
                Cell::from(site.target.id.as_str()),
                Cell::from(&*f.item_id),
            ]
        })
        .collect()
}

/// The colour of a status in the matrix, as in `report.html`.
fn status_format(status: Status) -> Format {
    let (background, font) = match status {
        Status::Present => (0x002E_7D32, 0x00FF_FFFF),
        Status::Missing => (0x00C6_2828, 0x00FF_FFFF),
        Status::Placeholder => (0x00EF_8F00, 0x00FF_FFFF),
        Status::Stale => (0x00F2_D024, 0x0022_2222),
        Status::Unknown => (0x009E_9E9E, 0x00FF_FFFF),
        Status::NotApplicable => (0x00F7_F7F7, 0x00AA_AAAA),
    };
    Format::new()
        .set_background_color(Color::RGB(background))
        .set_font_color(Color::RGB(font))
        .set_bold()
        .set_align(rust_xlsxwriter::FormatAlign::Center)
}

fn matrix_sheet(
    sheet: &mut Worksheet,
    input: ReportInput<'_>,
    lang: Lang,
) -> Result<(), XlsxError> {
    let items = matrix_columns(input.run)?;
    let bold = Format::new().set_bold().set_text_wrap();
    sheet.write_string_with_format(0, 0, header("site_name", lang), &bold)?;
    sheet.write_string_with_format(0, 1, header("score", lang), &bold)?;
    sheet.set_column_width(0, 40)?;
    for (i, item) in items.iter().enumerate() {
        let col = u16::try_from(i + 2).unwrap_or(u16::MAX);
        let heading = match lang {
            Lang::Vi => short_title(&item.item_title),
            Lang::En => item.item_title_en.as_deref().unwrap_or(&item.item_id),
        };
        sheet.write_string_with_format(0, col, heading, &bold)?;
        let note = Note::new(format!("{} — {}", item.item_id, item_title(item, lang)))
            .set_author("portal-audit");
        sheet.insert_note(0, col, &note)?;
        sheet.set_column_width(col, 6)?;
    }
    sheet.set_row_height(0, 90)?;
    for (r, site) in input.run.sites.iter().enumerate() {
        let site = site?;
        let row = u32::try_from(r + 1).unwrap_or(u32::MAX);
        sheet.write_string(row, 0, &site.target.name)?;
        if let Some(score) = site.score.score {
            sheet.write_number(row, 1, score)?;
        }
        for (i, item) in items.iter().enumerate() {
            let col = u16::try_from(i + 2).unwrap_or(u16::MAX);
            if let Some(f) = site.findings.iter().find(|f| f.item_id == item.item_id) {
                sheet.write_string_with_format(
                    row,
                    col,
                    status_code(f.status),
                    &status_format(f.status),
                )?;
            }
        }
    }
    sheet.set_freeze_panes(1, 2)?;
    Ok(())
}

fn changes_sheet(
    sheet: &mut Worksheet,
    input: ReportInput<'_>,
    lang: Lang,
) -> Result<(), XlsxError> {
    let fields = [
        "site_name",
        "item_title",
        "before",
        "after",
        "regression",
        "site_id",
        "item_id",
    ];
    let headers: Vec<&str> = fields.iter().map(|f| header(f, lang)).collect();
    let mut sites = input.run.sites.finder();
    let rows = input.changes.items.iter().map(move |c| {
        let site = sites.find(&c.site_id)?;
        let item = site.and_then(|s| s.findings.iter().find(|f| *f.item_id == *c.item_id));
        let regression = regression_word(c.is_regression(), lang);
        Ok(vec![
            Cell::from(site.map_or("", |s| s.target.name.as_str())),
            Cell::from(item.map_or("", |f| item_title(f, lang))),
            Cell::from(c.before.map_or("", |s| status_word(s, lang))),
            Cell::from(c.after.map_or("", |s| status_word(s, lang))),
            Cell::from(regression),
            Cell::from(c.site_id.as_str()),
            Cell::from(c.item_id.as_str()),
        ])
    });
    write_table(sheet, &headers, rows)
}
