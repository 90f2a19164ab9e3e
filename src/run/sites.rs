//! The sites of a run, in targets order, either held in memory or spilled
//! to a temporary file the moment each one is scored. A province's run is
//! held whole; past a fixed memory budget, a national run's finished sites
//! cost a few bytes of memory each, whatever their number, and the outputs
//! read them back one at a time.

use std::borrow::Cow;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt as _;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::SiteResult;

/// Every site of a run, in targets order.
#[derive(Debug, Clone, Default)]
pub struct Sites {
    entries: Vec<Entry>,
}

/// One site: its result, or where the spill file keeps it.
#[derive(Debug, Clone)]
enum Entry {
    Held(Box<SiteResult>),
    Spilled(Spilled),
}

/// A site's result in a spill file, in postcard's compact binary form
/// (read back several times, it must decode fast).
#[derive(Debug, Clone)]
struct Spilled {
    file: Arc<File>,
    offset: u64,
    length: usize,
    /// The target's id, so a site is found without reading it back.
    id: Box<str>,
}

impl Sites {
    /// The run's rendering counters, summed over its sites (`why_not` left
    /// empty: it differs from site to site).
    ///
    /// # Errors
    /// When a site spilled to disk cannot be read back.
    pub fn render_totals(&self) -> io::Result<crate::site::RenderStats> {
        let mut total = crate::site::RenderStats::default();
        for site in self.iter() {
            let render = site?.crawl.render;
            total.wanted += render.wanted;
            total.rendered += render.rendered;
            total.not_rendered += render.not_rendered;
            total.millis += render.millis;
            total.requests_fetched += render.requests_fetched;
            total.requests_blocked += render.requests_blocked;
        }
        Ok(total)
    }

    /// How many sites.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds a site at the end.
    pub fn push(&mut self, site: SiteResult) {
        self.entries.push(Entry::Held(Box::new(site)));
    }

    /// Moves every site of `other` to the end.
    pub fn append(&mut self, other: Sites) {
        self.entries.extend(other.entries);
    }

    /// The site at `index` (in targets order).
    ///
    /// # Errors
    /// When a spilled site cannot be read back.
    ///
    /// # Panics
    /// When `index` is out of range.
    pub fn get(&self, index: usize) -> io::Result<Cow<'_, SiteResult>> {
        match &self.entries[index] {
            Entry::Held(site) => Ok(Cow::Borrowed(site)),
            Entry::Spilled(spilled) => spilled.read().map(Cow::Owned),
        }
    }

    /// The sites in targets order, each read back as it is reached.
    pub fn iter(&self) -> impl Iterator<Item = io::Result<Cow<'_, SiteResult>>> + '_ {
        (0..self.entries.len()).map(|i| self.get(i))
    }

    /// The target id of the site at `index`, without reading it back.
    #[must_use]
    pub fn id(&self, index: usize) -> &str {
        match &self.entries[index] {
            Entry::Held(site) => &site.target.id,
            Entry::Spilled(spilled) => &spilled.id,
        }
    }

    /// A reader that finds sites by id, cheaply when they are asked for in
    /// run order (as a run's changes are).
    #[must_use]
    pub fn finder(&self) -> SiteFinder<'_> {
        SiteFinder {
            sites: self,
            next: 0,
            last: None,
        }
    }

    /// The sites put in the order of the ids in `order`; sites whose ids
    /// are not in it follow, in their own order.
    #[must_use]
    pub fn arranged<'a>(self, order: impl IntoIterator<Item = &'a str>) -> Sites {
        let ids: std::collections::HashMap<Box<str>, usize> = (0..self.len())
            .map(|i| (Box::from(self.id(i)), i))
            .collect();
        let mut slots: Vec<Option<Entry>> = self.entries.into_iter().map(Some).collect();
        let mut entries: Vec<Entry> = order
            .into_iter()
            .filter_map(|id| ids.get(id).and_then(|&i| slots[i].take()))
            .collect();
        entries.extend(slots.into_iter().flatten());
        Sites { entries }
    }

    /// The sites, each moved out or read back in turn.
    pub fn into_results(self) -> impl Iterator<Item = io::Result<SiteResult>> {
        self.entries.into_iter().map(|entry| match entry {
            Entry::Held(site) => Ok(*site),
            Entry::Spilled(spilled) => spilled.read(),
        })
    }

    /// Every site read back into memory (for tests and small runs).
    ///
    /// # Errors
    /// When a spilled site cannot be read back.
    pub fn to_vec(&self) -> io::Result<Vec<SiteResult>> {
        self.iter().map(|s| s.map(Cow::into_owned)).collect()
    }
}

/// Finds sites by id, searching on from the last one found and keeping it
/// read: see [`Sites::finder`].
#[derive(Debug)]
pub struct SiteFinder<'a> {
    sites: &'a Sites,
    next: usize,
    last: Option<(usize, Cow<'a, SiteResult>)>,
}

impl SiteFinder<'_> {
    /// The site of target `id`, if it is in the run.
    ///
    /// # Errors
    /// When a spilled site cannot be read back.
    pub fn find(&mut self, id: &str) -> io::Result<Option<&SiteResult>> {
        let count = self.sites.len();
        if !matches!(&self.last, Some((_, site)) if site.target.id == id) {
            let found = (0..count)
                .map(|k| (self.next + k) % count.max(1))
                .find(|&i| self.sites.id(i) == id);
            self.last = match found {
                Some(i) => Some((i, self.sites.get(i)?)),
                None => None,
            };
            if let Some((i, _)) = &self.last {
                self.next = i + 1;
            }
        }
        Ok(self.last.as_ref().map(|(_, site)| site.as_ref()))
    }
}

impl From<Vec<SiteResult>> for Sites {
    fn from(sites: Vec<SiteResult>) -> Self {
        Self {
            entries: sites
                .into_iter()
                .map(|s| Entry::Held(Box::new(s)))
                .collect(),
        }
    }
}

impl FromIterator<SiteResult> for Sites {
    fn from_iter<I: IntoIterator<Item = SiteResult>>(sites: I) -> Self {
        Self {
            entries: sites
                .into_iter()
                .map(|s| Entry::Held(Box::new(s)))
                .collect(),
        }
    }
}

impl Serialize for Sites {
    /// As a sequence of sites, read back one at a time.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq as _};
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for site in self.iter() {
            seq.serialize_element(site.map_err(S::Error::custom)?.as_ref())?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Sites {
    /// Held in memory.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<SiteResult>::deserialize(deserializer).map(Sites::from)
    }
}

impl Spilled {
    fn read(&self) -> io::Result<SiteResult> {
        let mut encoded = vec![0; self.length];
        self.file.read_exact_at(&mut encoded, self.offset)?;
        postcard::from_bytes(&encoded).map_err(|e| {
            io::Error::other(format!(
                "a site kept in the spill file cannot be read back: {e}"
            ))
        })
    }
}

/// Collects a run's sites as they finish, in any order, into [`Sites`] in
/// targets order; with a spill file, each site leaves memory as it comes.
#[derive(Debug)]
pub struct SiteStore {
    slots: Vec<Option<Entry>>,
    spill: Option<SpillFile>,
}

#[derive(Debug)]
struct SpillFile {
    file: Arc<File>,
    end: u64,
    encoded: Vec<u8>,
    /// What the sites held so far weigh, encoded: under `budget`
    /// ([`HOLD_BUDGET`]), sites stay in memory and are never read back.
    held: usize,
    budget: usize,
}

/// The sites kept in memory before the rest are spilled, in bytes of their
/// encoding (they weigh about twice as much in memory): a province's run
/// (60-100 sites of some 8 KB) is never read back from disk, and a
/// national run holds no more than this however many sites it has.
const HOLD_BUDGET: usize = 4 << 20;
/// Test hook: another budget, in bytes.
const HOLD_BUDGET_ENV: &str = "PORTAL_AUDIT_TEST_HOLD_BYTES";

impl SiteStore {
    /// A store for `count` sites, held in memory.
    #[must_use]
    pub fn in_memory(count: usize) -> Self {
        Self {
            slots: std::iter::repeat_with(|| None).take(count).collect(),
            spill: None,
        }
    }

    /// [`SiteStore::spilling`] into the folder `path` is in (or will be
    /// made in: an output folder, a journal), on the disk the run writes
    /// to; if no file can be made there, a store held in memory.
    #[must_use]
    pub fn beside(count: usize, path: &Path) -> Self {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        Self::spilling(count, dir).unwrap_or_else(|e| {
            tracing::warn!(
                "finished sites are kept in memory: no temporary file in {}: {e}",
                dir.display()
            );
            Self::in_memory(count)
        })
    }

    /// A store for `count` sites that holds them up to a fixed budget and
    /// spills the rest to an unnamed temporary file in `dir` (gone when the
    /// run ends, even if it is killed).
    ///
    /// # Errors
    /// When no file can be made in `dir`.
    pub fn spilling(count: usize, dir: &Path) -> io::Result<Self> {
        // Test hook: the budget in bytes, so tests spill a small run.
        let budget = std::env::var(HOLD_BUDGET_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(HOLD_BUDGET);
        Self::spilling_past(count, dir, budget)
    }

    /// [`SiteStore::spilling`], holding sites up to `budget` bytes.
    fn spilling_past(count: usize, dir: &Path, budget: usize) -> io::Result<Self> {
        let file = tempfile::tempfile_in(dir)?;
        Ok(Self {
            spill: Some(SpillFile {
                file: Arc::new(file),
                end: 0,
                encoded: Vec::new(),
                held: 0,
                budget,
            }),
            ..Self::in_memory(count)
        })
    }

    /// Keeps `site` after every site so far (for sites read back in their
    /// order, as a journal's).
    pub fn push(&mut self, site: SiteResult) {
        self.slots.push(None);
        self.keep(self.slots.len() - 1, site);
    }

    /// Keeps the result of the site at `index`. A spill file that cannot be
    /// written is given up, and the sites are held in memory from then on:
    /// a full disk costs memory, never a result.
    pub fn keep(&mut self, index: usize, site: SiteResult) {
        let entry = match self.spill.as_mut().map(|spill| spill.write(&site)) {
            Some(Ok(Some(spilled))) => Entry::Spilled(spilled),
            Some(Ok(None)) => Entry::Held(Box::new(site)),
            Some(Err(e)) => {
                tracing::warn!(
                    "finished sites are kept in memory from now on: cannot spill them: {e}"
                );
                self.spill = None;
                Entry::Held(Box::new(site))
            }
            None => Entry::Held(Box::new(site)),
        };
        if let Some(slot) = self.slots.get_mut(index) {
            *slot = Some(entry);
        }
    }

    /// The sites in targets order; a site never kept is made by `missing`
    /// from its index.
    #[must_use]
    pub fn finish(self, mut missing: impl FnMut(usize) -> SiteResult) -> Sites {
        let entries = self
            .slots
            .into_iter()
            .enumerate()
            .map(|(i, slot)| slot.unwrap_or_else(|| Entry::Held(Box::new(missing(i)))))
            .collect();
        Sites { entries }
    }
}

impl SpillFile {
    /// Writes `site` to the file, unless it fits in what may still be held
    /// (`None`).
    fn write(&mut self, site: &SiteResult) -> io::Result<Option<Spilled>> {
        self.encoded.clear();
        self.encoded = postcard::to_extend(site, std::mem::take(&mut self.encoded))
            .map_err(io::Error::other)?;
        if self.held + self.encoded.len() <= self.budget {
            self.held += self.encoded.len();
            return Ok(None);
        }
        self.file.write_all_at(&self.encoded, self.end)?;
        let spilled = Spilled {
            file: Arc::clone(&self.file),
            offset: self.end,
            length: self.encoded.len(),
            id: site.target.id.as_str().into(),
        };
        self.end += self.encoded.len() as u64;
        Ok(Some(spilled))
    }
}

#[cfg(test)]
mod tests;
