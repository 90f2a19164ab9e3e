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
use crate::finding::Status;
use crate::fold::clip;
use crate::run::{AuditRun, Change, SiteResult};

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
/// Never: formatting into a `String` cannot fail.
#[must_use]
pub fn render_html(run: &AuditRun, changes: &[Change], lang: Lang) -> String {
    let mut out = String::with_capacity(64 * 1024);
    write_page(&mut out, run, changes, ui(lang), lang).expect("writing into a String never fails");
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
    let mut text = IoText { out, failed: None };
    match write_page(&mut text, run, changes, ui(lang), lang) {
        Ok(()) => Ok(()),
        Err(fmt::Error) => Err(text
            .failed
            .unwrap_or_else(|| io::Error::other("formatting report.html failed"))),
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

/// Sites by score, worst first; sites with no score last; ties keep the
/// targets-file order.
fn worst_first(run: &AuditRun) -> Vec<&SiteResult> {
    let mut sites: Vec<&SiteResult> = run.sites.iter().collect();
    sites.sort_by(|a, b| match (a.score.score, b.score.score) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    sites
}

/// Distinct non-empty values, in first-seen order.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for v in values {
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn write_page(
    out: &mut dyn fmt::Write,
    run: &AuditRun,
    changes: &[Change],
    t: &Ui,
    lang: Lang,
) -> fmt::Result {
    let sorted = worst_first(run);
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
    write_header(out, run, t)?;
    write_summary(out, &sorted, t, lang)?;
    write_matrix(out, run, &sorted, t, lang)?;
    writeln!(out, "<section id=\"to-fix\">")?;
    writeln!(out, "<h2>{}</h2>", t.to_fix)?;
    for site in &sorted {
        write_site(out, site, t, lang)?;
    }
    writeln!(out, "</section>")?;
    write_changes(out, run, changes, t, lang)?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

fn write_header(out: &mut dyn fmt::Write, run: &AuditRun, t: &Ui) -> fmt::Result {
    writeln!(out, "<header>")?;
    writeln!(out, "<h1>{}</h1>", t.title)?;
    let checklists = distinct(run.sites.iter().map(|s| s.checklist.as_str()));
    let rulesets = distinct(run.sites.iter().map(|s| s.ruleset.as_str()));
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
