//! What makes a run one of several (`--shard K/N`) or the continuation of a
//! stopped one (`--resume`): the shard's targets, the journal each finished
//! site is written to, and the sites an earlier attempt already did.

use std::path::Path;

use crate::audit::Assignment;
use crate::cli::RunOptions;
use crate::history::{Journal, Resumed, RunKey, digest};
use crate::report::OutputFolder;
use crate::run::{AuditRun, ShardOfRun, SiteResult};
use crate::shard::Shard;
use crate::target::Target;

/// The targets of shard `shard` (all of them without one), and what the
/// run records about its shard.
pub(super) fn select_shard(
    targets: Vec<Target>,
    shard: Option<Shard>,
) -> (Vec<Target>, Option<ShardOfRun>) {
    let Some(shard) = shard else {
        return (targets, None);
    };
    let all_targets = targets.iter().map(|t| t.id.clone()).collect();
    let mine = targets.into_iter().filter(|t| shard.holds(&t.id)).collect();
    (mine, Some(ShardOfRun { shard, all_targets }))
}

/// What decides this run's results: a resume must match it.
pub(super) fn run_key(
    assignments: &[Assignment],
    options: &RunOptions,
    shard: Option<&ShardOfRun>,
) -> RunKey {
    let checklists: Vec<String> = assignments
        .iter()
        .map(|a| format!("{}@{}", a.checklist.id, a.checklist.version))
        .collect();
    let targets = digest(assignments.iter().zip(&checklists).flat_map(|(a, c)| {
        [
            a.target.id.as_str(),
            a.target.kind.as_str(),
            a.target.url.as_str(),
            c.as_str(),
        ]
    }));
    RunKey {
        as_of: options.as_of().to_string(),
        targets,
        target_count: assignments.len(),
        shard: shard.map(|s| s.shard.to_string()),
        limits: format!(
            "max-pages {} max-depth {} site-budget {} follow-start-redirects {} exhaustive {} render {} allow {:?} max-renders {}",
            options.max_pages,
            options.max_depth,
            options.site_budget,
            options.follow_start_redirects,
            options.exhaustive,
            options.render.render.as_str(),
            options.render.render_allow_host,
            options.render.max_renders,
        ),
    }
}

/// A run in progress: the journal its sites are written to, and what an
/// earlier attempt left.
pub(super) struct Continuation {
    pub(super) journal: Option<Journal>,
    pub(super) earlier: Resumed,
    /// Every site of the run, in targets order.
    pub(super) order: Vec<String>,
    pub(super) shard: Option<ShardOfRun>,
}

impl Continuation {
    /// A run with no journal (the demo).
    pub(super) fn none(assignments: &[Assignment]) -> Self {
        Self {
            journal: None,
            earlier: Resumed::default(),
            order: assignments.iter().map(|a| a.target.id.clone()).collect(),
            shard: None,
        }
    }

    /// Starts the journal beside `folder`, or with `resume` reads the one a
    /// stopped run left there; `assignments` loses the sites already done.
    ///
    /// # Errors
    /// [`crate::error::InputError`] when there is nothing to resume or it was
    /// started with other arguments; others when the journal cannot be
    /// written.
    pub(super) fn begin(
        folder: &OutputFolder,
        assignments: &mut Vec<Assignment>,
        key: &RunKey,
        resume: bool,
        shard: Option<ShardOfRun>,
    ) -> anyhow::Result<Self> {
        let path = journal_path(folder.path());
        let order = assignments.iter().map(|a| a.target.id.clone()).collect();
        let (journal, earlier) = if resume {
            Journal::resume(&path, key)?
        } else {
            let now = jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .map_or_else(|_| String::new(), |t| t.to_string());
            (Journal::start(&path, key, &now)?, Resumed::default())
        };
        let done: std::collections::HashSet<&str> = (0..earlier.sites.len())
            .map(|i| earlier.sites.id(i))
            .collect();
        assignments.retain(|a| !done.contains(a.target.id.as_str()));
        Ok(Self {
            journal: Some(journal),
            earlier,
            order,
            shard,
        })
    }

    /// Keeps a finished site in the journal. A journal that cannot be
    /// written costs the resume, never the run.
    pub(super) fn site_done(&mut self, site: &SiteResult) {
        if !site.is_complete() {
            return;
        }
        if let Some(journal) = &mut self.journal
            && let Err(e) = journal.record(site)
        {
            tracing::warn!("the journal is not written, a resume would start over: {e:#}");
            self.journal = None;
        }
    }

    /// The whole run: this attempt's sites and the earlier ones, in
    /// targets order, under the first attempt's start time.
    pub(super) fn complete(&mut self, mut run: AuditRun) -> AuditRun {
        let mut earlier = std::mem::take(&mut self.earlier);
        if let Some(started_at) = earlier.started_at.take() {
            run.started_at = started_at;
        }
        run.shard = self.shard.take();
        if earlier.sites.is_empty() {
            // Nothing resumed: the sites are already in targets order.
            return run;
        }
        let mut sites = earlier.sites;
        sites.append(std::mem::take(&mut run.sites));
        run.sites = sites.arranged(self.order.iter().map(String::as_str));
        run
    }

    /// The run is delivered whole: its journal is no longer needed. An
    /// interrupted run keeps it, for `--resume`.
    pub(super) fn finish(&mut self, interrupted: bool) {
        if let Some(journal) = self.journal.take()
            && !interrupted
        {
            journal.finish();
        }
    }
}

/// The journal of the run writing into `out`: beside it, hidden.
fn journal_path(out: &Path) -> std::path::PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!(".{name}.journal"))
}
