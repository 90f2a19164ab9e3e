//! `portal-audit merge`: the shards of one run (`audit --shard K/N`, run on
//! a Kubernetes Indexed Job, a CI matrix or machines over ssh) joined into
//! the outputs of a single run, after checking that they belong together:
//! one audit date, one version of each checklist and its rule set, every
//! shard present once, no site counted twice, no target left out.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::{Exit, outputs, say};
use crate::cli::MergeArgs;
use crate::error::InputError;
use crate::report::{Lang, read_run_json};
use crate::run::{AuditRun, SiteStore, Sites};

pub(super) fn merge_command(args: &MergeArgs) -> anyhow::Result<Exit> {
    // One shard in memory at a time: its sites go to the store (spilled
    // past its budget beside --out) before the next is read.
    let mut store = SiteStore::beside(0, &args.out);
    let mut joining: Option<Joining> = None;
    for dir in &args.shards {
        let path = dir.join("run.json");
        let run = read_run_json(&path).map_err(|e| InputError::in_file(&path, format!("{e:#}")))?;
        let joining = match &mut joining {
            Some(joining) => joining,
            None => joining.insert(Joining::start(&path, &run)?),
        };
        joining.add(path, run, &mut store)?;
    }
    let run = joining
        .ok_or_else(|| InputError::in_file(Path::new("merge"), "give the shards' output folders"))?
        .finish(store)?;
    let report = args.format.report_options(language_of(&run));
    let mut destination = outputs::prepare(&args.out, args.history.as_deref(), run.sites.len())?;
    let delivered = outputs::deliver(&mut destination, run, report)?;
    if !args.quiet {
        let wrote = if report.lang == Lang::Vi {
            "Đã ghi"
        } else {
            "Wrote"
        };
        let mut text = String::new();
        for file in &delivered.written.files {
            text.push_str(&format!(
                "{wrote} {}\n",
                destination.folder.path().join(file).display()
            ));
        }
        say(&text);
    }
    Ok(if delivered.snapshot.run.interrupted {
        Exit::Interrupted
    } else {
        Exit::Ok
    })
}

/// The shards' runs being joined into one, shard by shard, after checking
/// that each belongs.
struct Joining {
    merged: AuditRun,
    all_targets: Vec<String>,
    count: u32,
    first_path: PathBuf,
    versions: BTreeMap<String, (String, String, PathBuf)>,
    seen_shards: HashMap<u32, PathBuf>,
    owner: HashMap<String, PathBuf>,
}

impl Joining {
    /// A join whose whole run is the one `first` (read from `first_path`)
    /// is a shard of.
    fn start(first_path: &Path, first: &AuditRun) -> Result<Self, InputError> {
        let shard = first.shard.as_ref().ok_or_else(|| {
            InputError::in_file(
                first_path,
                "is not a shard's run (audit it with --shard K/N)",
            )
        })?;
        Ok(Self {
            merged: AuditRun {
                started_at: first.started_at.clone(),
                interrupted: false,
                as_of: first.as_of,
                sites: Sites::default(),
                duration: std::time::Duration::ZERO,
                shard: None,
                render: first.render.clone(),
            },
            all_targets: shard.all_targets.clone(),
            count: shard.shard.count,
            first_path: first_path.to_path_buf(),
            versions: BTreeMap::new(),
            seen_shards: HashMap::new(),
            owner: HashMap::new(),
        })
    }

    /// Checks the shard at `path` and moves its sites into `store`.
    ///
    /// # Errors
    /// [`InputError`] naming the shard when it does not belong.
    fn add(
        &mut self,
        path: PathBuf,
        run: AuditRun,
        store: &mut SiteStore,
    ) -> Result<(), InputError> {
        let first = (self.merged.as_of, self.first_path.as_path());
        let (targets, count) = (&self.all_targets, self.count);
        check_belongs(&path, &run, first, targets, count, &mut self.seen_shards)?;
        check_sites(&path, &run, &mut self.versions, &mut self.owner)?;
        let merged = &mut self.merged;
        merged.started_at = merged.started_at.clone().min(run.started_at);
        merged.duration = merged.duration.max(run.duration);
        merged.interrupted |= run.interrupted;
        for site in run.sites.into_results() {
            store.push(site.map_err(|e| InputError::in_file(&path, e.to_string()))?);
        }
        Ok(())
    }

    /// The shards' runs as one, in the targets file's order.
    ///
    /// # Errors
    /// [`InputError`] naming the targets no shard holds.
    fn finish(mut self, store: SiteStore) -> Result<AuditRun, InputError> {
        no_target_left_out(
            &self.all_targets,
            &self.owner,
            &self.seen_shards,
            self.count,
        )?;
        let sites = store.finish(|_| unreachable!("every slot is filled as it is made"));
        self.merged.sites = sites.arranged(self.all_targets.iter().map(String::as_str));
        Ok(self.merged)
    }
}

/// Each site of the shard at `path`: judged by the same version and rule
/// set of its checklist as in the other shards, and in no other shard.
fn check_sites(
    path: &Path,
    run: &AuditRun,
    versions: &mut BTreeMap<String, (String, String, PathBuf)>,
    owner: &mut HashMap<String, PathBuf>,
) -> Result<(), InputError> {
    for site in run.sites.iter() {
        let site = site.map_err(|e| InputError::in_file(path, e.to_string()))?;
        let (id, version) = site
            .checklist
            .split_once('@')
            .unwrap_or((&site.checklist, ""));
        let entry = versions
            .entry(id.to_owned())
            .or_insert_with(|| (version.to_owned(), site.ruleset.clone(), path.to_path_buf()));
        if entry.0 != version || entry.1 != site.ruleset {
            return Err(InputError::in_file(
                path,
                format!(
                    "judges `{id}` by version {version} and rule set {}, but {} by version {} and rule set {}: audit every shard with the same checklist",
                    site.ruleset,
                    entry.2.display(),
                    entry.0,
                    entry.1
                ),
            ));
        }
        if let Some(other) = owner.insert(site.target.id.clone(), path.to_path_buf()) {
            return Err(InputError::in_file(
                path,
                format!(
                    "site `{}` is also in {}: a site must be counted once",
                    site.target.id,
                    other.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Every target of the run is in a shard; else which are not, and which
/// shards were not given.
fn no_target_left_out(
    all_targets: &[String],
    owner: &HashMap<String, PathBuf>,
    seen_shards: &HashMap<u32, PathBuf>,
    count: u32,
) -> Result<(), InputError> {
    let missing: Vec<&str> = all_targets
        .iter()
        .filter(|id| !owner.contains_key(*id))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let shards_missing: Vec<String> = (1..=count)
        .filter(|k| !seen_shards.contains_key(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    Err(InputError::in_file(
        Path::new("merge"),
        format!(
            "{} target(s) are in no shard: {}{}",
            missing.len(),
            missing
                .iter()
                .take(20)
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            if shards_missing.is_empty() {
                String::new()
            } else {
                format!(" (shard(s) {} not given)", shards_missing.join(", "))
            }
        ),
    ))
}

/// Whether the shard at `path` is another shard of the first shard's run:
/// the same audit date `as_of`, targets and number of shards, and a shard
/// not given before.
fn check_belongs(
    path: &Path,
    run: &AuditRun,
    (as_of, first): (jiff::civil::Date, &Path),
    all_targets: &[String],
    count: u32,
    seen: &mut HashMap<u32, PathBuf>,
) -> Result<(), InputError> {
    let bad = |message: String| Err(InputError::in_file(path, message));
    let Some(shard) = &run.shard else {
        return bad("is not a shard's run (audit it with --shard K/N)".to_owned());
    };
    if run.as_of != as_of {
        return bad(format!(
            "was judged as of {}, but {} as of {as_of}: every shard needs the same --as-of",
            run.as_of,
            first.display()
        ));
    }
    if shard.shard.count != count || shard.all_targets != all_targets {
        return bad(format!(
            "is shard {} of another split or another targets file than {}",
            shard.shard,
            first.display()
        ));
    }
    if let Some(other) = seen.insert(shard.shard.index, path.to_path_buf()) {
        return bad(format!(
            "is shard {}, as {} is",
            shard.shard,
            other.display()
        ));
    }
    Ok(())
}

/// The outputs' language when none is asked for: that of the first site's
/// checklist, if it is a built-in one.
fn language_of(run: &AuditRun) -> Lang {
    let first = (!run.sites.is_empty())
        .then(|| run.sites.get(0).ok())
        .flatten();
    let language = first.and_then(|s| {
        let id = s.checklist.split('@').next().unwrap_or_default();
        crate::checklist::load(id).ok().and_then(|c| c.language)
    });
    if language.as_deref() == Some("en") {
        Lang::En
    } else {
        Lang::Vi
    }
}
