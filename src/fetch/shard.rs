//! [`Shard`]: `--shard K/N`, this run's share of a list that N runs split
//! between them with no coordinator: the URLs whose input index `i` (from
//! 1, the number `--output DIR/i` and `--json` use) has `i % N == K`.
//!
//! Each run reads the whole list and skips the others' entries, so the
//! shards need nothing but the same list and their own K: a Kubernetes
//! indexed Job (`JOB_COMPLETION_INDEX`), a Slurm array task
//! (`SLURM_ARRAY_TASK_ID`), GNU parallel's `{%}` slot. The indexes stay
//! global, so the N runs' `--output` files never collide and their
//! `--json` lines merge into one list.

use std::fmt;

/// One run's share of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    /// This run's number, below `count`.
    index: usize,
    /// How many runs share the list, at least 1.
    count: usize,
}

impl Shard {
    /// Whether the entry at input index `i` is this run's.
    pub(crate) fn contains(self, i: usize) -> bool {
        i % self.count == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Parses `K/N` with 0 <= K < N.
///
/// # Errors
///
/// A message saying what `--shard` wants.
pub(crate) fn parse_shard(text: &str) -> Result<Shard, String> {
    let wanted = "expected K/N with 0 <= K < N, like 0/4 (the shards of 4 runs are 0/4 to 3/4)";
    let (k, n) = text.split_once('/').ok_or(wanted)?;
    let index = k.trim().parse::<usize>().map_err(|_| wanted)?;
    let count = n.trim().parse::<usize>().map_err(|_| wanted)?;
    if count == 0 {
        return Err(format!("{wanted}; N is 0"));
    }
    if index >= count {
        return Err(format!("{wanted}; K = {index} is not below N = {count}"));
    }
    Ok(Shard { index, count })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_indexes_between_them() {
        let shards: Vec<Shard> = (0..3)
            .map(|k| parse_shard(&format!("{k}/3")).unwrap())
            .collect();
        for i in 1..=100 {
            let owners = shards.iter().filter(|s| s.contains(i)).count();
            assert_eq!(owners, 1, "index {i}");
        }
        let first = parse_shard("1/3").unwrap();
        let mine: Vec<usize> = (1..=7).filter(|&i| first.contains(i)).collect();
        assert_eq!(mine, [1, 4, 7]);
        assert_eq!(first.to_string(), "1/3");
        assert!(parse_shard("0/1").unwrap().contains(5));
    }

    #[test]
    fn malformed_shards_are_refused() {
        for bad in ["3/2", "2/2", "0/0", "1", "-1/2", "a/b", "1/2/3", "", "/2"] {
            assert!(parse_shard(bad).is_err(), "{bad:?}");
        }
        assert!(
            parse_shard("3/2")
                .unwrap_err()
                .contains("K = 3 is not below N = 2")
        );
    }
}
