//! The sections of `report.html` below its header: the summary table, the
//! item matrix, what each agency must fix, and the changes since the previous
//! run.

use std::fmt;

use super::words::{Ui, kind_label, status_label};
use super::{EVIDENCE_MAX, Reading, anchor, esc, item_title, write_link, write_status};
use crate::finding::{Finding, Status};
use crate::fold::clip;
use crate::report::{Lang, evidence_for, status_code};
use crate::run::{Change, SiteResult, SiteStatus};

pub(super) fn write_summary(
    out: &mut dyn fmt::Write,
    reading: &Reading<'_>,
    t: &Ui,
    lang: Lang,
) -> fmt::Result {
    writeln!(out, "<section id=\"summary\">")?;
    writeln!(out, "<h2>{}</h2>", t.summary)?;
    writeln!(out, "<table class=\"summary\">")?;
    write!(
        out,
        "<thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th>",
        t.agency, t.kind, t.score
    )?;
    for status in [
        Status::Present,
        Status::Missing,
        Status::Placeholder,
        Status::Stale,
    ] {
        write!(out, "<th>{}</th>", status_label(status, lang))?;
    }
    writeln!(out, "</tr></thead>")?;
    writeln!(out, "<tbody>")?;
    for (rank, site) in reading.sorted().enumerate() {
        let site = site?;
        let s = &site.score;
        write!(
            out,
            "<tr><td class=\"num\">{}</td><td><a href=\"#{}\">{}</a></td><td class=\"kind\">{}</td>",
            rank + 1,
            esc(&anchor(&site.target.id)),
            esc(&site.target.name),
            kind_label(site.target.kind, lang)
        )?;
        match s.score {
            Some(score) => {
                let class = if score < 50.0 {
                    "low"
                } else if score < 80.0 {
                    "mid"
                } else {
                    "high"
                };
                write!(
                    out,
                    "<td class=\"score\">{score:.1}<div class=\"bar\"><div class=\"{class}\" style=\"width:{:.1}%\"></div></div>",
                    score.clamp(0.0, 100.0)
                )?;
            }
            None => write!(out, "<td class=\"score failed\">— {}", t.not_audited)?,
        }
        if let SiteStatus::Failed(f) = &site.status {
            write!(
                out,
                "<br><code>{}</code> <span class=\"hint\">{}</span>",
                esc(f.kind.code()),
                esc(crate::report::words::failure_hint(f.kind, lang))
            )?;
        }
        writeln!(
            out,
            "</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            s.present, s.missing, s.placeholder, s.stale
        )?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")?;
    writeln!(out, "</section>")
}

pub(super) fn write_matrix(
    out: &mut dyn fmt::Write,
    reading: &Reading<'_>,
    t: &Ui,
    lang: Lang,
) -> fmt::Result {
    let items = &reading.items;
    writeln!(out, "<section id=\"matrix\">")?;
    writeln!(out, "<h2>{}</h2>", t.matrix)?;
    write!(out, "<p class=\"legend\">{}: ", t.legend)?;
    for status in Status::ALL {
        write!(
            out,
            "<span class=\"badge st-{}\">{} = {}</span>",
            status.as_str(),
            status_code(status),
            status_label(status, lang)
        )?;
    }
    writeln!(out, "</p>")?;
    writeln!(out, "<div class=\"scroll\">")?;
    writeln!(out, "<table class=\"matrix\">")?;
    write!(out, "<thead><tr><th>{}</th>", t.agency)?;
    for item in items {
        write!(
            out,
            "<th class=\"item\" title=\"{}\">{}</th>",
            esc(item_title(item, lang)),
            esc(match lang {
                Lang::Vi => crate::report::short_title(&item.item_title),
                Lang::En => &item.item_id,
            })
        )?;
    }
    writeln!(out, "</tr></thead>")?;
    writeln!(out, "<tbody>")?;
    for site in reading.sorted() {
        let site = site?;
        write!(
            out,
            "<tr><th><a href=\"#{}\">{}</a></th>",
            esc(&anchor(&site.target.id)),
            esc(&site.target.name)
        )?;
        for item in items {
            match site.findings.iter().find(|f| f.item_id == item.item_id) {
                Some(f) => write!(
                    out,
                    "<td class=\"cell st-{}\" title=\"{}: {}\">{}</td>",
                    f.status.as_str(),
                    esc(item_title(f, lang)),
                    status_label(f.status, lang),
                    status_code(f.status)
                )?,
                None => write!(out, "<td class=\"cell\"></td>")?,
            }
        }
        writeln!(out, "</tr>")?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")?;
    writeln!(out, "</div>")?;
    writeln!(out, "</section>")
}

pub(super) fn write_site(
    out: &mut dyn fmt::Write,
    site: &SiteResult,
    t: &Ui,
    lang: Lang,
) -> fmt::Result {
    writeln!(
        out,
        "<section class=\"site\" id=\"{}\">",
        esc(&anchor(&site.target.id))
    )?;
    writeln!(out, "<h3>{}</h3>", esc(&site.target.name))?;
    write_site_meta(out, site, t, lang)?;
    let to_fix: Vec<&Finding> = site.findings.iter().filter(|f| f.to_fix()).collect();
    if to_fix.is_empty() {
        if site.status == SiteStatus::Ok {
            writeln!(out, "<p>{}</p>", t.nothing_to_fix)?;
        }
        return writeln!(out, "</section>");
    }
    write_fix_table(out, &to_fix, t, lang)?;
    writeln!(out, "</section>")
}

/// The site's address, pages, score, failure and notes.
fn write_site_meta(out: &mut dyn fmt::Write, site: &SiteResult, t: &Ui, lang: Lang) -> fmt::Result {
    write!(out, "<p class=\"meta\">{}: ", t.address)?;
    write_link(out, site.target.url.as_str())?;
    if let Some(final_url) = site.final_url.as_ref().filter(|u| *u != &site.target.url) {
        write!(out, " → ")?;
        write_link(out, final_url.as_str())?;
    }
    write!(out, " · {}: {}", t.pages_crawled, site.pages_crawled)?;
    if let Some(score) = site.score.score {
        write!(out, " · {}: <strong>{score:.1}</strong>", t.score)?;
    }
    writeln!(out, " · <a href=\"#top\">{}</a></p>", t.back)?;
    if let SiteStatus::Failed(f) = &site.status {
        writeln!(
            out,
            "<p class=\"failed\">{}: <code>{}</code> — {}</p>",
            t.not_audited,
            esc(f.kind.code()),
            esc(crate::report::words::failure_hint(f.kind, lang))
        )?;
    }
    if !site.notes.is_empty() {
        writeln!(
            out,
            "<p class=\"meta\">{}: {}</p>",
            t.notes,
            esc(&site
                .notes
                .iter()
                .map(|n| crate::report::words::note_text(n, lang))
                .collect::<Vec<_>>()
                .join("; "))
        )?;
    }
    Ok(())
}

/// What the agency must add or fix, one row per item.
fn write_fix_table(
    out: &mut dyn fmt::Write,
    to_fix: &[&Finding],
    t: &Ui,
    lang: Lang,
) -> fmt::Result {
    writeln!(out, "<table class=\"fix\">")?;
    writeln!(
        out,
        "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>",
        t.item, t.status, t.basis, t.evidence, t.where_looked
    )?;
    writeln!(out, "<tbody>")?;
    for f in to_fix.iter().copied() {
        write!(
            out,
            "<tr><td>{} <code>{}</code></td><td>",
            esc(item_title(f, lang)),
            esc(&f.item_id)
        )?;
        write_status(out, f.status, lang)?;
        write!(
            out,
            "</td><td>{}</td><td class=\"evidence\">",
            esc(&f.basis)
        )?;
        if let Some(url) = &f.evidence_url {
            write_link(out, url)?;
        }
        let evidence = evidence_for(f, lang);
        write!(
            out,
            "</td><td class=\"evidence\">{}",
            esc(&clip(&evidence, EVIDENCE_MAX))
        )?;
        if let (Status::Missing, Some(pages)) = (f.status, f.pages_searched) {
            write!(out, " ({}: {pages})", t.pages_searched)?;
        }
        writeln!(out, "</td></tr>")?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")
}

pub(super) fn write_changes(
    out: &mut dyn fmt::Write,
    reading: &Reading<'_>,
    changes: &[Change],
    t: &Ui,
    lang: Lang,
) -> fmt::Result {
    writeln!(out, "<section id=\"changes\">")?;
    writeln!(out, "<h2>{}</h2>", t.changes)?;
    if changes.is_empty() {
        writeln!(out, "<p>{}</p>", t.no_changes)?;
        return writeln!(out, "</section>");
    }
    writeln!(out, "<table class=\"changes\">")?;
    writeln!(
        out,
        "<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>",
        t.agency, t.item, t.before_after
    )?;
    writeln!(out, "<tbody>")?;
    let mut sites = reading.sites.finder();
    for c in changes {
        let site = sites.find(&c.site_id).map_err(|e| reading.keep(e))?;
        let finding = site.and_then(|s| s.findings.iter().find(|f| *f.item_id == *c.item_id));
        let regression = c.is_regression();
        write!(
            out,
            "<tr{}><td>",
            if regression {
                " class=\"regression\""
            } else {
                ""
            }
        )?;
        match site {
            Some(s) => write!(
                out,
                "<a href=\"#{}\">{}</a>",
                esc(&anchor(&s.target.id)),
                esc(&s.target.name)
            )?,
            None => write!(out, "{}", esc(&c.site_id))?,
        }
        write!(out, "</td><td>")?;
        if let Some(f) = finding {
            write!(out, "{} ", esc(item_title(f, lang)))?;
        }
        write!(out, "<code>{}</code></td><td>", esc(&c.item_id))?;
        match c.before {
            Some(status) => write_status(out, status, lang)?,
            None => write!(out, "—")?,
        }
        write!(out, " → ")?;
        match c.after {
            Some(status) => write_status(out, status, lang)?,
            None => write!(out, "—")?,
        }
        if regression {
            write!(out, " <strong>({})</strong>", t.regression)?;
        }
        writeln!(out, "</td></tr>")?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")?;
    writeln!(out, "</section>")
}
