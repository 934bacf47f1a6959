//! Statistics that check sampled weights against the distributions they are meant to follow.
//!
//! Kept apart from the analysis code because the initializer tests lean on them: a formula is
//! only verified if the samples pass a goodness-of-fit test with real power, not just a mean
//! and a variance check.

pub mod cdf;
pub mod ks;

pub use cdf::{normal_cdf, truncated_normal_cdf, truncated_normal_mean_var, uniform_cdf};
pub use ks::{ks_one_sample, q_ks, KsResult};
