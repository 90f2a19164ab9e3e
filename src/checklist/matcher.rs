//! One multi-pattern search per signal kind: every item's needles for, say,
//! link text are compiled into a single Aho-Corasick automaton, so a page is
//! scanned once however many items the checklist has.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// Matches looked at per search at most.
const MAX_MATCHES: usize = 10_000;

/// Most bytes of needles compiled into a full DFA. A DFA's size grows with
/// its states times the alphabet, and building one is quadratic in a needle
/// that repeats itself (`a a a …`): past this, a contiguous NFA, slower to
/// search but linear to build, takes over. Real checklists (vn-gov-portal:
/// about 20 KB) stay well under.
const MAX_DFA_NEEDLE_BYTES: usize = 64 * 1024;

/// Index of an item within its checklist.
pub type ItemIndex = usize;

/// Folded needles from all items for one kind of signal, searched at once.
#[derive(Debug, Clone)]
pub struct NeedleSet {
    automaton: Option<AhoCorasick>,
    needles: Vec<String>,
    /// For each needle, the phrase as first written, for evidence.
    written: Vec<String>,
    /// The items the needles count for, needle by needle: needle `p`'s are
    /// `owners[owner_starts[p]..owner_starts[p + 1]]`. None for exclusion
    /// needles, which only exist to suppress the shorter needles they
    /// contain. One flat list, not a list per needle: a checklist of
    /// 100,000 items has millions of needles.
    owners: Vec<ItemIndex>,
    owner_starts: Vec<usize>,
}

/// One hit: an item and the needle (folded, trimmed) that found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedleHit<'a> {
    /// The item the needle belongs to.
    pub item: ItemIndex,
    /// The folded needle, without its padding.
    pub needle: &'a str,
    /// The phrase as the checklist wrote it.
    pub written: &'a str,
}

/// Collects needles before compiling them into a [`NeedleSet`].
#[derive(Debug, Default)]
pub struct NeedleSetBuilder {
    /// Each folded needle and its slot: the index of its entries in
    /// `written` and `owners`, and of its pattern in the automaton. A hash
    /// map keeps adding linear in the number of needles.
    slots: foldhash::HashMap<String, usize>,
    written: Vec<String>,
    /// (slot, item) pairs: the items each needle counts for.
    owned: Vec<(usize, ItemIndex)>,
    /// Total bytes of the needles.
    bytes: usize,
}

impl NeedleSetBuilder {
    /// Adds `written` for `item` (`None` marks an exclusion needle), folded
    /// by `fold` (which must pad with spaces, as [`crate::fold::fold`] does).
    /// Blank needles are ignored.
    pub fn add_with(&mut self, written: &str, fold: fn(&str) -> String, item: Option<ItemIndex>) {
        self.add_folded(fold(written), written, item);
    }

    /// Adds `written`, folded with [`crate::fold::fold`].
    pub fn add(&mut self, written: &str, item: Option<ItemIndex>) {
        self.add_with(written, crate::fold::fold, item);
    }

    /// Adds an already folded, space-padded needle.
    pub fn add_folded(&mut self, folded: String, written: &str, item: Option<ItemIndex>) {
        if folded.trim().is_empty() {
            return;
        }
        let (next, len) = (self.written.len(), folded.len());
        let slot = *self.slots.entry(folded).or_insert(next);
        if slot == next {
            self.bytes += len;
            self.written.push(written.to_owned());
        }
        // Items come in order, so a repeat is most often the last pair;
        // `build` removes any other.
        if let Some(item) = item
            && self.owned.last() != Some(&(slot, item))
        {
            self.owned.push((slot, item));
        }
    }

    /// Compiles the automaton; `Err` says why it could not be (too many
    /// needles for the automaton's state ids).
    pub fn build(mut self) -> Result<NeedleSet, String> {
        let mut needles = vec![String::new(); self.slots.len()];
        for (needle, slot) in self.slots {
            needles[slot] = needle;
        }
        // Every needle starts with the padding space, so a prefilter on
        // start bytes would stop at every word: none. A full DFA is the
        // fastest automaton for overlapping search, and folded text uses
        // few distinct bytes, so it stays small, up to a budget.
        let kind = if self.bytes <= MAX_DFA_NEEDLE_BYTES {
            AhoCorasickKind::DFA
        } else {
            AhoCorasickKind::ContiguousNFA
        };
        let automaton = if needles.is_empty() {
            None
        } else {
            let built = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(kind))
                .prefilter(false)
                .build(&needles)
                .map_err(|e| format!("the checklist's needles cannot be compiled: {e}"))?;
            Some(built)
        };
        self.owned.sort_unstable();
        self.owned.dedup();
        let mut owner_starts = Vec::with_capacity(needles.len() + 1);
        let mut pairs = self.owned.iter().peekable();
        for slot in 0..needles.len() {
            owner_starts.push(self.owned.len() - pairs.len());
            while pairs.next_if(|(s, _)| *s == slot).is_some() {}
        }
        owner_starts.push(self.owned.len());
        Ok(NeedleSet {
            automaton,
            needles,
            written: self.written,
            owners: self.owned.into_iter().map(|(_, item)| item).collect(),
            owner_starts,
        })
    }
}

impl NeedleSet {
    /// Finds the items whose needles occur in `folded` (text produced by
    /// [`crate::fold::fold`]). A needle that lies inside a longer needle's match
    /// is dropped, so "van ban" does not count where "du thao van ban" matched.
    #[must_use]
    pub fn find<'a>(&'a self, folded: &str) -> Vec<NeedleHit<'a>> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        // A hostile page can repeat a needle a million times: cap the work.
        let mut matches: Vec<_> = automaton
            .find_overlapping_iter(folded)
            .take(MAX_MATCHES)
            .collect();
        // Sorted by start, longest first, a match lies inside a longer one
        // exactly when an earlier match reaches at least as far (two
        // different needles never share a span): one pass, no pairwise scan.
        matches.sort_unstable_by_key(|m| (m.start(), std::cmp::Reverse(m.end())));
        let mut hits = Vec::new();
        let mut reach = 0usize;
        for (i, m) in matches.iter().enumerate() {
            let contained = i > 0 && reach >= m.end();
            reach = reach.max(m.end());
            if contained {
                continue;
            }
            let pattern = m.pattern().as_usize();
            for &item in self.owners_of(pattern) {
                let hit = NeedleHit {
                    item,
                    needle: self.needles[pattern].trim(),
                    written: &self.written[pattern],
                };
                if !hits.contains(&hit) {
                    hits.push(hit);
                }
            }
        }
        hits
    }

    /// The needles that count for `item`, trimmed, for "where we looked".
    pub fn needles_of(&self, item: ItemIndex) -> impl Iterator<Item = &str> {
        self.needles
            .iter()
            .enumerate()
            .filter(move |(pattern, _)| self.owners_of(*pattern).contains(&item))
            .map(|(_, n)| n.trim())
    }

    /// The items needle `pattern` counts for.
    fn owners_of(&self, pattern: usize) -> &[ItemIndex] {
        let start = self.owner_starts.get(pattern).copied().unwrap_or(0);
        let end = self.owner_starts.get(pattern + 1).copied().unwrap_or(start);
        self.owners.get(start..end).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold::fold;

    #[test]
    fn hits_carry_the_phrase_as_written() {
        let s = set(&[("Hỏi – Đáp", Some(0))]);
        assert_eq!(
            s.find(&fold("hoi dap")).first().map(|h| h.written),
            Some("Hỏi – Đáp")
        );
    }

    fn set(entries: &[(&str, Option<usize>)]) -> NeedleSet {
        let mut b = NeedleSetBuilder::default();
        for (n, item) in entries {
            b.add(n, *item);
        }
        b.build().unwrap()
    }

    #[test]
    fn a_needle_repeated_endlessly_is_one_hit() {
        let s = set(&[("thành lập năm", Some(0)), ("năm", Some(1))]);
        let text = fold(&"thành lập năm ".repeat(200_000));
        let hits = s.find(&text);
        assert_eq!(hits.iter().map(|h| h.item).collect::<Vec<_>>(), vec![0]);
    }

    #[test]
    fn matches_whole_words_only() {
        let s = set(&[("tin tức", Some(0))]);
        assert_eq!(s.find(&fold("Tin tức - Sự kiện")).len(), 1);
        assert!(s.find(&fold("Tin tứcx")).is_empty());
    }

    #[test]
    fn longer_needle_suppresses_contained_one() {
        let s = set(&[("văn bản", Some(0)), ("dự thảo văn bản", Some(1))]);
        let hits = s.find(&fold("Dự thảo văn bản"));
        assert_eq!(hits.iter().map(|h| h.item).collect::<Vec<_>>(), vec![1]);
        let hits = s.find(&fold("Văn bản pháp luật"));
        assert_eq!(hits.iter().map(|h| h.item).collect::<Vec<_>>(), vec![0]);
    }

    #[test]
    fn exclusion_needles_veto_without_owning() {
        let s = set(&[("thống kê", Some(0)), ("thống kê truy cập", None)]);
        assert!(s.find(&fold("Thống kê truy cập: 1.234")).is_empty());
        assert_eq!(s.find(&fold("Số liệu thống kê")).len(), 1);
    }

    #[test]
    fn shared_needle_counts_for_every_owner() {
        let s = set(&[("liên hệ", Some(0)), ("liên hệ", Some(3))]);
        let items: Vec<_> = s.find(&fold("Liên hệ")).iter().map(|h| h.item).collect();
        assert_eq!(items, vec![0, 3]);
        assert_eq!(s.needles_of(3).collect::<Vec<_>>(), vec!["lien he"]);
    }
}
