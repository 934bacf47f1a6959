//! A Kohonen Self-Organizing Map (Kohonen 1982, Biol. Cybern. 43:59) of initial-weight vectors,
//! and the per-node outcome statistics that turn it into a map of which regions of weight space
//! train (Adam, Karras & Vrahatis 2008, who mapped MLP initial weights this way).
//!
//! Design, and why:
//! - **Grid size.** [`SomConfig::for_data`] uses the SOM Toolbox heuristic of ⌈5·√n⌉ map units
//!   (Vesanto & Alhoniemi 2000, IEEE Trans. Neural Netw. 11:586; SOM Toolbox `som_topol_struct`)
//!   on a square-ish grid. [`SomConfig::for_data_shaped`] does what the toolbox does when it has
//!   the data: the side ratio is √(λ₁/λ₂) of the two largest principal-component variances,
//!   the longer side (`rows`) along the first component. Both keep at least 2 nodes per side.
//! - **Initialization: linear** along the first two principal components (Kohonen 2001,
//!   *Self-Organizing Maps* 3rd ed., §3.7; the toolbox default `som_lininit`): node (r, c) starts
//!   at mean + a_r·√λ₁·v₁ + b_c·√λ₂·v₂ with a, b evenly spaced on [−1, 1] along the grid's
//!   longer and shorter side. It needs no random numbers (the components come from power
//!   iteration from a fixed start vector), so the seed only decides the sample order.
//! - **Training: mini-batch online.** Each epoch visits every sample once, in an order drawn
//!   from `rng::stream(rng::derive(seed, SOM_TAG), epoch)`. Samples are taken [`BATCH`] at a
//!   time; the whole batch's best-matching units are found against the prototypes at the
//!   batch's start, and then the batch's samples update the prototypes one after another with
//!   Kohonen's rule
//!   w ← w + α(t)·h·(x − w), h = exp(−d²_grid/(2σ(t)²)) (d_grid Euclidean between (row, col)
//!   positions). Within a batch the BMUs are those of the prototypes at the batch's start.
//!   σ and α decay exponentially, σ(t) = σ₀·(σ_end/σ₀)^(t/(T−1)) over the T = epochs·n
//!   updates. Updates whose coefficient α·h is below 1e-10 are skipped.
//! - **Determinism.** Every distance is the exact Σ(x_k − w_k)², summed in index order, and
//!   the smallest wins, ties going to the lowest node index. BMUs — and so prototypes — are
//!   therefore bitwise reproducible for the same input and seed, independent of thread count
//!   or batch size, and [`Som::assign`] always agrees with [`Som::bmu`]. (Every node is
//!   scored exactly: a matmul shortlist of ‖x‖² − 2x·w + ‖w‖² would need exact re-scoring to
//!   be reproducible, and at these map sizes it saves nothing.)
//! - **Layout.** While training and assigning, the prototypes sit in one buffer by coordinate
//!   (`w[k·nodes + j]`), so the loops over nodes — every node's distance, the neighbourhood
//!   update — are vector loops, each node's sum still taken in coordinate order.
//! - **Neighbours** (topographic error and U-matrix) are the 8-neighbourhood on the rectangular
//!   grid: nodes whose row and column each differ by at most 1.
//!
//! Inputs must be finite; [`standardize`] them first when features have different units.
//!
//! The pieces: `config` (grid and schedule), `pca` (the components that shape and initialize
//! the grid), `map` ([`Som`]), `codebook` (the training kernel), `nodes` (outcomes per node)
//! and `standardize` (the inputs' z-scores).

mod codebook;
mod config;
#[cfg(test)]
mod fixtures;
mod map;
mod nodes;
mod pca;
mod standardize;

pub use codebook::BATCH;
pub use config::SomConfig;
pub use map::Som;
pub use nodes::{node_outcome_test, node_table, NodeStats};
pub use standardize::standardize;
