//! Splitting a plan over machines: shard K of N runs a fixed, deterministic part of the trials.
//!
//! Cohorts are cut into units of at most [`UNIT`] consecutive trials; units go to shards by
//! longest-processing-time-first (largest estimated cost to the least-loaded shard, ties to
//! the lower shard), so shards finish at about the same time. The assignment depends only on
//! the plan, never on the machine, the thread count or the order shards run in, and every
//! trial belongs to exactly one shard.

use super::Plan;

/// Trials per unit of assignment: small enough to balance, large enough to keep cohorts whole.
pub const UNIT: usize = 256;

/// Shard `k` of `n`, 1-based as written on the command line (`--shard 2/4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub k: u32,
    pub n: u32,
}

impl Shard {
    pub fn parse(s: &str) -> Result<Shard, String> {
        let err = || format!("--shard: expected K/N with 1 ≤ K ≤ N (e.g. 2/4), got `{s}`");
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let (k, n): (u32, u32) = (
            k.trim().parse().map_err(|_| err())?,
            n.trim().parse().map_err(|_| err())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(err());
        }
        Ok(Shard { k, n })
    }

    /// `shard-2-of-4`, for folder names.
    pub fn tag(&self) -> String {
        format!("shard-{}-of-{}", self.k, self.n)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// The 1-based shard of every trial, in plan order, for `n` shards.
pub fn assign(plan: &Plan, n: u32) -> Vec<u32> {
    let mut units: Vec<(u128, std::ops::Range<usize>)> = Vec::new();
    for cohort in &plan.cohorts {
        let r = cohort.trials.clone();
        let mut start = r.start;
        while start < r.end {
            let end = (start + UNIT).min(r.end);
            let cost = (start..end).map(|i| plan.cost(&plan.trials[i])).sum();
            units.push((cost, start..end));
            start = end;
        }
    }
    units.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.start.cmp(&b.1.start)));
    let mut load = vec![0u128; n as usize];
    let mut shard = vec![0u32; plan.trials.len()];
    for (cost, range) in units {
        let k = (0..n as usize)
            .min_by_key(|&k| (load[k], k))
            .expect("n ≥ 1");
        load[k] += cost;
        for i in range {
            shard[i] = k as u32 + 1;
        }
    }
    shard
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Spec;
    use std::path::Path;

    fn plan(text: &str) -> Plan {
        Plan::new(Spec::from_str(text, "t.toml", "t", Path::new(".")).unwrap()).unwrap()
    }

    #[test]
    fn parses_k_of_n() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { k: 2, n: 4 });
        for bad in ["0/4", "5/4", "2", "a/b", "1/0", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Shard { k: 2, n: 4 }.tag(), "shard-2-of-4");
    }

    #[test]
    fn shards_partition_the_plan_and_balance_cost() {
        let p =
            plan("replicates = 300\ndepth = [1, 2, 4]\ninitializer = [\"zeros\", \"he_normal\"]\n");
        for n in [1, 2, 3, 7] {
            let s = assign(&p, n);
            assert!(s.iter().all(|&k| (1..=n).contains(&k)));
            let mut load = vec![0u128; n as usize];
            for t in &p.trials {
                load[s[t.index] as usize - 1] += p.cost(t);
            }
            let (lo, hi) = (*load.iter().min().unwrap(), *load.iter().max().unwrap());
            let unit_max = (0..p.trials.len())
                .map(|i| p.cost(&p.trials[i]))
                .max()
                .unwrap()
                * UNIT as u128;
            assert!(hi - lo <= unit_max, "n={n}: {load:?}");
            assert_eq!(s, assign(&p, n), "deterministic");
        }
    }
}
