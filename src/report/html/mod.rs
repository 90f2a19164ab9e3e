//! `report.html`: the one file a leader opens in a browser. A single
//! self-contained page (inline CSS, no scripts, no external assets) so it can
//! be mailed or archived as is; everything that came from a crawled page, a
//! targets file or a checklist is escaped by [`esc`], because a hostile site
//! must not be able to run code in the reader's browser.

mod fix_list;
mod sections;
mod words;

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io;

pub use self::fix_list::{fix_list_name, render_fix_list};
use self::sections::{write_changes, write_matrix, write_site, write_summary};
use self::words::{Ui, status_label, ui};
use super::Lang;
use crate::finding::Finding;
use crate::finding::Status;
use crate::fold::clip;
use crate::run::{AuditRun, Change, SiteResult, Sites};

/// Longest evidence text shown in a cell, in characters.
const EVIDENCE_MAX: usize = 400;
/// Longest link text shown for an evidence URL, in characters.
const LINK_TEXT_MAX: usize = 80;

/// Renders `report.html` into a string: one self-contained page (inline CSS, no scripts, no
/// external assets) with the summary, the item matrix, what each agency must
/// fix and the changes since the previous run. The same run always gives the
/// same bytes.
///
/// # Panics
/// When a site spilled to disk cannot be read back ([`write_html`] says
/// so instead); formatting into a `String` cannot fail.
#[must_use]
pub fn render_html(run: &AuditRun, changes: &[Change], lang: Lang) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let reading = Reading::new(run).expect("the sites can be read back");
    write_page(&mut out, run, &reading, changes, ui(lang), lang)
        .expect("writing into a String never fails");
    out
}

/// Writes the bytes of [`render_html`] into `out` as they are made: the
/// page for 10,000 sites weighs about 70 MB, which need not be held.
///
/// # Errors
/// When `out` fails.
pub fn write_html(
    out: &mut dyn io::Write,
    run: &AuditRun,
    changes: &[Change],
    lang: Lang,
) -> io::Result<()> {
    let reading = Reading::new(run)?;
    let mut text = IoText { out, failed: None };
    match write_page(&mut text, run, &reading, changes, ui(lang), lang) {
        Ok(()) => Ok(()),
        Err(fmt::Error) => Err(text
            .failed
            .or_else(|| reading.failed.take())
            .unwrap_or_else(|| io::Error::other("formatting report.html failed"))),
    }
}

/// The run's sites as the page reads them: worst first, each read back
/// when its row is written, with what the page needs from all of them
/// gathered in one pass first.
struct Reading<'a> {
    sites: &'a Sites,
    /// Indexes by score, worst first; sites with no score last; ties keep
    /// the targets-file order.
    worst_first: Vec<usize>,
    /// The matrix's columns.
    items: Vec<Finding>,
    /// Distinct checklists and rule sets, in first-seen order.
    checklists: Vec<String>,
    rulesets: Vec<String>,
    /// A site that could not be read back (`fmt::Error` cannot carry it).
    failed: std::cell::RefCell<Option<io::Error>>,
}

impl<'a> Reading<'a> {
    fn new(run: &'a AuditRun) -> io::Result<Self> {
        let mut scores = Vec::with_capacity(run.sites.len());
        let (mut checklists, mut rulesets) = (Vec::new(), Vec::new());
        for site in run.sites.iter() {
            let site = site?;
            scores.push(site.score.score);
            add_distinct(&mut checklists, &site.checklist);
            add_distinct(&mut rulesets, &site.ruleset);
        }
        let mut worst_first: Vec<usize> = (0..scores.len()).collect();
        worst_first.sort_by(|&a, &b| match (scores[a], scores[b]) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        Ok(Self {
            sites: &run.sites,
            worst_first,
            items: crate::report::matrix_columns(run)?,
            checklists,
            rulesets,
            failed: std::cell::RefCell::new(None),
        })
    }

    /// The sites worst first, each read back in turn.
    fn sorted(&self) -> impl Iterator<Item = Result<Cow<'a, SiteResult>, fmt::Error>> + '_ {
        self.worst_first
            .iter()
            .map(|&i| self.sites.get(i).map_err(|e| self.keep(e)))
    }

    /// Keeps `error` for [`write_html`] and stops the page.
    fn keep(&self, error: io::Error) -> fmt::Error {
        self.failed.borrow_mut().get_or_insert(error);
        fmt::Error
    }
}

/// Adds `value` to `values` unless it is empty or already there.
fn add_distinct(values: &mut Vec<String>, value: &str) {
    if !value.is_empty() && !values.iter().any(|v| v == value) {
        values.push(value.to_owned());
    }
}

/// The text of a page written straight into an [`io::Write`], keeping the
/// error that `fmt::Write` cannot carry.
struct IoText<'a> {
    out: &'a mut dyn io::Write,
    failed: Option<io::Error>,
}

impl fmt::Write for IoText<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.out.write_all(s.as_bytes()).map_err(|e| {
            self.failed = Some(e);
            fmt::Error
        })
    }
}

/// Escapes text for HTML element content and quoted attribute values:
/// `&`, `<`, `>`, `"` and `'`. The only escape in this module; every string
/// that did not come from this file goes through it.
fn esc(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

use crate::report::words::item_title;

/// A fragment id for a site that is valid and unique whatever the targets
/// file holds: ASCII letters, digits and `-` are kept, every other character
/// becomes `_<hex>_`.
fn anchor(site_id: &str) -> String {
    let mut out = String::from("site-");
    for c in site_id.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else {
            let _ = write!(out, "_{:x}_", u32::from(c));
        }
    }
    out
}

/// A link when `url` is http(s), plain text otherwise (never a `javascript:`
/// or `data:` href).
fn write_link(out: &mut dyn fmt::Write, url: &str) -> fmt::Result {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let text = clip(url, LINK_TEXT_MAX);
    if lower.starts_with("http://") || lower.starts_with("https://") {
        write!(
            out,
            r#"<a href="{}" rel="nofollow noopener" target="_blank">{}</a>"#,
            esc(url),
            esc(&text)
        )
    } else {
        write!(out, "<span class=\"url\">{}</span>", esc(&text))
    }
}

fn write_status(out: &mut dyn fmt::Write, status: Status, lang: Lang) -> fmt::Result {
    write!(
        out,
        r#"<span class="badge st-{}">{}</span>"#,
        status.as_str(),
        status_label(status, lang)
    )
}

fn write_page(
    out: &mut dyn fmt::Write,
    run: &AuditRun,
    reading: &Reading<'_>,
    changes: &[Change],
    t: &Ui,
    lang: Lang,
) -> fmt::Result {
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"{}\">", t.html_lang)?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    // Defence in depth: even if something slipped past the escaping, the
    // browser would run no script and load nothing from anywhere.
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    )?;
    writeln!(out, "<meta name=\"referrer\" content=\"no-referrer\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(out, "<title>{} {}</title>", t.title, run.as_of)?;
    writeln!(out, "<style>\n{CSS}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body id=\"top\">")?;
    write_header(out, run, reading, t)?;
    write_summary(out, reading, t, lang)?;
    write_matrix(out, reading, t, lang)?;
    writeln!(out, "<section id=\"to-fix\">")?;
    writeln!(out, "<h2>{}</h2>", t.to_fix)?;
    for site in reading.sorted() {
        write_site(out, &*site?, t, lang)?;
    }
    writeln!(out, "</section>")?;
    write_changes(out, reading, changes, t, lang)?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

fn write_header(
    out: &mut dyn fmt::Write,
    run: &AuditRun,
    reading: &Reading<'_>,
    t: &Ui,
) -> fmt::Result {
    writeln!(out, "<header>")?;
    writeln!(out, "<h1>{}</h1>", t.title)?;
    let (checklists, rulesets) = (&reading.checklists, &reading.rulesets);
    writeln!(
        out,
        "<p class=\"meta\">{}: <strong>{}</strong> · {}: <strong>{}</strong> · {}: {} · {}: {}</p>",
        t.as_of,
        run.as_of,
        t.sites,
        run.sites.len(),
        t.checklist,
        esc(&checklists.join(", ")),
        t.ruleset,
        esc(&rulesets.join(", ")),
    )?;
    if run.interrupted {
        writeln!(
            out,
            "<p class=\"warning\" role=\"alert\">⚠ {}</p>",
            t.interrupted
        )?;
    }
    writeln!(out, "</header>")
}

const CSS: &str = include_str!("style.css");

#[cfg(test)]
mod tests;
