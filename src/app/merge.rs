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
use crate::run::{AuditRun, Sites};

pub(super) fn merge_command(args: &MergeArgs) -> anyhow::Result<Exit> {
    let mut shards = Vec::new();
    for dir in &args.shards {
        let path = dir.join("run.json");
        let run = read_run_json(&path).map_err(|e| InputError::in_file(&path, format!("{e:#}")))?;
        shards.push((path, run));
    }
    let run = join(shards)?;
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

/// The shards' runs as one, in the targets file's order.
///
/// # Errors
/// [`InputError`] naming the shard that does not belong, or the targets
/// no shard holds.
fn join(shards: Vec<(PathBuf, AuditRun)>) -> Result<AuditRun, InputError> {
    let Some((first_path, first)) = shards.first() else {
        return Err(InputError::in_file(
            Path::new("merge"),
            "give the shards' output folders",
        ));
    };
    let all_targets = first
        .shard
        .as_ref()
        .map(|s| s.all_targets.clone())
        .ok_or_else(|| {
            InputError::in_file(
                first_path,
                "is not a shard's run (audit it with --shard K/N)",
            )
        })?;
    let mut versions: BTreeMap<String, (String, String, PathBuf)> = BTreeMap::new();
    let mut seen_shards: HashMap<u32, PathBuf> = HashMap::new();
    let mut owner: HashMap<String, PathBuf> = HashMap::new();
    let mut merged = AuditRun {
        started_at: first.started_at.clone(),
        interrupted: false,
        as_of: first.as_of,
        sites: Sites::default(),
        duration: std::time::Duration::ZERO,
        shard: None,
    };
    let count = first.shard.as_ref().map_or(0, |s| s.shard.count);
    let (as_of, first_path) = (first.as_of, first_path.clone());
    for (path, run) in shards {
        let first = (as_of, first_path.as_path());
        check_belongs(&path, &run, first, &all_targets, count, &mut seen_shards)?;
        check_sites(&path, &run, &mut versions, &mut owner)?;
        merged.started_at = merged.started_at.min(run.started_at.clone());
        merged.duration = merged.duration.max(run.duration);
        merged.interrupted |= run.interrupted;
        merged.sites.append(run.sites);
    }
    no_target_left_out(&all_targets, &owner, &seen_shards, count)?;
    merged.sites = merged
        .sites
        .arranged(all_targets.iter().map(String::as_str));
    Ok(merged)
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
