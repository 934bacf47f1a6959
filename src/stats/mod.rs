//! Statistics that check sampled weights against the distributions they are meant to follow,
//! and the statistics the analysis stage reports about trials.
//!
//! Kept apart from the analysis code because the initializer tests lean on them: a formula is
//! only verified if the samples pass a goodness-of-fit test with real power, not just a mean
//! and a variance check. The analysis half (proportions, survival, rank tests, tables,
//! multiplicity, bootstrap) is tested against published reference values — textbook examples
//! and R output — cited next to each test. Every function is deterministic and returns None
//! (or a documented neutral value) rather than panicking or producing NaN on empty or
//! degenerate input.

pub mod bootstrap;
pub mod cdf;
pub mod contingency;
pub mod describe;
pub mod dist;
pub mod ks;
pub mod logrank;
pub mod multiple;
pub mod proportion;
pub mod rank;
pub mod survival;

pub use bootstrap::{bootstrap_ci, bootstrap_mean_ci, bootstrap_median_ci};
pub use cdf::{normal_cdf, truncated_normal_cdf, truncated_normal_mean_var, uniform_cdf};
pub use contingency::{chi_square_independence, fisher_exact, ChiSquareTest, FisherExact};
pub use describe::{mean, median, quantile, sd, BoxStats};
pub use dist::{chi_square_upper, normal_two_sided_p, z_critical};
pub use ks::{ks_one_sample, q_ks, KsResult};
pub use logrank::{log_rank, LogRank};
pub use multiple::{benjamini_hochberg, holm, holm_present};
pub use proportion::{proportion_difference, wilson, ProportionDifference};
pub use rank::{mann_whitney, MannWhitney};
pub use survival::{kaplan_meier, QuantileCi, Survival};
