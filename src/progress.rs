//! Progress bars for long runs: sites done and pages fetched. Hidden when
//! stderr is not a terminal (cron, CI) or with `--quiet`.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::Lang;

/// The bars of one audit run. Cheap to clone; clones share the bars.
#[derive(Debug, Clone)]
pub struct Progress {
    sites: ProgressBar,
    pages: ProgressBar,
}

impl Progress {
    /// Bars for `site_count` sites, labelled in `lang`, drawn on stderr when
    /// it is a terminal and `quiet` is off.
    #[must_use]
    pub fn new(site_count: usize, quiet: bool, lang: Lang) -> Self {
        let visible = !quiet && std::io::stderr().is_terminal();
        let multi = MultiProgress::with_draw_target(if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        let (sites_template, pages_template, audit, crawl) = match lang {
            Lang::Vi => (
                "{prefix:>7} [{bar:30}] {pos}/{len} cổng  {elapsed_precise}  {msg}",
                "{prefix:>7} {spinner} đã tải {pos} trang ({per_sec})",
                "rà soát",
                "tải",
            ),
            Lang::En => (
                "{prefix:>6} [{bar:30}] {pos}/{len} sites  {elapsed_precise}  {msg}",
                "{prefix:>6} {spinner} {pos} pages fetched ({per_sec})",
                "audit",
                "crawl",
            ),
        };
        let sites = multi.add(ProgressBar::new(site_count as u64));
        sites.set_style(
            ProgressStyle::with_template(sites_template)
                .expect("static template")
                .progress_chars("=> "),
        );
        sites.set_prefix(audit);
        let pages = multi.add(ProgressBar::new_spinner());
        pages.set_style(ProgressStyle::with_template(pages_template).expect("static template"));
        pages.set_prefix(crawl);
        Self { sites, pages }
    }

    /// Hidden bars, for library callers and tests.
    #[must_use]
    pub fn hidden() -> Self {
        Self::new(0, true, Lang::En)
    }

    /// One page fetched.
    pub fn page_fetched(&self) {
        self.pages.inc(1);
    }

    /// One site finished; `label` names it.
    pub fn site_done(&self, label: &str) {
        self.sites.set_message(label.to_owned());
        self.sites.inc(1);
    }

    /// Removes the bars from the terminal.
    pub fn finish(&self) {
        self.pages.finish_and_clear();
        self.sites.finish_and_clear();
    }
}
