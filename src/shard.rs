//! A stable split of the targets into N shards by a hash of the site id, so
//! a national run can be spread over the batch systems people already run
//! (a Kubernetes Indexed Job, a CI matrix, GNU parallel over ssh) and the
//! same site always lands in the same shard, run after run.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The most shards a run may be split into.
pub const MAX_SHARDS: u32 = 10_000;

/// Shard `index` of `count` (1-based, as `--shard 2/3` writes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which one, from 1.
    pub index: u32,
    /// Of how many.
    pub count: u32,
}

impl Shard {
    /// Whether the site `id` belongs to this shard.
    #[must_use]
    pub fn holds(&self, id: &str) -> bool {
        shard_of(id, self.count) == self.index
    }
}

/// The shard (1-based) the site `id` falls in when split `count` ways:
/// FNV-1a of the id, which never changes between versions or machines
/// (unlike the standard library's randomly keyed hasher).
#[must_use]
pub fn shard_of(id: &str, count: u32) -> u32 {
    let count = u64::from(count.max(1));
    u32::try_from(stable_hash(id.bytes()) % count).map_or(1, |s| s + 1)
}

/// FNV-1a, 64 bits: a hash that is the same on every machine and in every
/// version, for shards and run keys.
#[must_use]
pub fn stable_hash(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "`{}` is not a shard: write K/N with 1 ≤ K ≤ N ≤ {MAX_SHARDS}, such as 2/3",
                crate::fold::clip(s, 40)
            )
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count || count > MAX_SHARDS {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_site_lands_in_exactly_one_shard_and_always_the_same() {
        let ids: Vec<String> = (0..3000).map(|i| format!("xa-{i}")).collect();
        let shards: Vec<Shard> = (1..=3).map(|index| Shard { index, count: 3 }).collect();
        let mut sizes = [0; 3];
        for id in &ids {
            let holding: Vec<&Shard> = shards.iter().filter(|s| s.holds(id)).collect();
            assert_eq!(holding.len(), 1, "{id}");
            sizes[holding[0].index as usize - 1] += 1;
        }
        // Roughly even.
        assert!(sizes.iter().all(|&n| (800..1200).contains(&n)), "{sizes:?}");
        // Fixed forever: histories and CI gates key on it.
        assert_eq!(shard_of("stp-hoabinh", 3), 3);
        assert_eq!(shard_of("", 7), 3);
    }

    #[test]
    fn parses_k_of_n_and_refuses_the_rest() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "1/99999999999", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(Shard { index: 1, count: 4 }.to_string(), "1/4");
    }
}
