//! The map itself: [`Som`], its linear initialization along the principal components, its
//! training (the kernel is in `codebook`), and what a trained map answers: best-matching
//! units, quantization and topographic error, the U-matrix.

use super::codebook::{self, Codebook};
use super::config::SomConfig;
use super::pca::{principal_components, Pcs};

/// Squared Euclidean distance, summed in index order (the exact, reproducible score).
pub(super) fn sq_dist(x: &[f64], w: &[f64]) -> f64 {
    x.iter().zip(w).map(|(a, b)| (a - b) * (a - b)).sum()
}

/// A trained (or initialized) map. Node `i` sits at row `i / cols`, column `i % cols`.
#[derive(Clone, Debug, PartialEq)]
pub struct Som {
    pub rows: usize,
    pub cols: usize,
    pub dim: usize,
    /// One prototype (codebook vector) of length `dim` per node, row-major.
    pub prototypes: Vec<Vec<f64>>,
}

impl Som {
    /// The linearly initialized, untrained map (see the module notes): what [`Som::train`]
    /// starts from. Every prototype is the data mean when there are fewer than 2 samples.
    ///
    /// # Panics
    /// When `cfg.rows` or `cfg.cols` is 0 or the rows differ in length.
    pub fn initialize(data: &[Vec<f64>], cfg: &SomConfig) -> Som {
        assert!(
            cfg.rows > 0 && cfg.cols > 0,
            "SOM grid must be at least 1×1"
        );
        let dim = data.first().map_or(0, Vec::len);
        assert!(
            data.iter().all(|r| r.len() == dim),
            "SOM data rows differ in length"
        );
        Som::initialize_from(&principal_components(data, 2), dim, cfg)
    }

    /// [`Som::initialize`] from the data's principal components.
    fn initialize_from(pcs: &Pcs, dim: usize, cfg: &SomConfig) -> Som {
        let (l1, v1) = &pcs.components[0];
        let (l2, v2) = &pcs.components[1];
        let spread = |i: usize, len: usize| {
            if len > 1 {
                -1.0 + 2.0 * i as f64 / (len - 1) as f64
            } else {
                0.0
            }
        };
        let (s1, s2) = (l1.sqrt(), l2.sqrt());
        let mut prototypes = Vec::with_capacity(cfg.nodes());
        for r in 0..cfg.rows {
            for c in 0..cfg.cols {
                // The first component runs along the longer side of the grid.
                let (a, b) = if cfg.rows >= cfg.cols {
                    (spread(r, cfg.rows), spread(c, cfg.cols))
                } else {
                    (spread(c, cfg.cols), spread(r, cfg.rows))
                };
                prototypes.push(
                    (0..dim)
                        .map(|k| pcs.mean[k] + a * s1 * v1[k] + b * s2 * v2[k])
                        .collect(),
                );
            }
        }
        Som {
            rows: cfg.rows,
            cols: cfg.cols,
            dim,
            prototypes,
        }
    }

    /// Trains a map on `data` (one sample per row) as described in the module notes.
    /// Deterministic: the same data and config give bitwise-identical prototypes.
    ///
    /// # Panics
    /// When the grid is empty, rows differ in length, a value is not finite, or σ₀, σ_end,
    /// α₀, α_end are not positive and finite.
    pub fn train(data: &[Vec<f64>], cfg: &SomConfig) -> Som {
        Som::check(data, cfg);
        codebook::train(Som::initialize(data, cfg), data, cfg)
    }

    /// A map of `data` on the grid `grid`, or on the grid [`SomConfig::for_data_shaped`]
    /// chooses when `None`, trained with that config's defaults and `seed`: the same as
    /// [`Som::train`] with that config, computing the data's principal components once.
    ///
    /// # Panics
    /// As [`Som::train`].
    pub fn train_shaped(
        data: &[Vec<f64>],
        grid: Option<(usize, usize)>,
        seed: u64,
    ) -> (SomConfig, Som) {
        let dim = data.first().map_or(0, Vec::len);
        assert!(
            data.iter().all(|r| r.len() == dim),
            "SOM data rows differ in length"
        );
        let pcs = principal_components(data, 2);
        let cfg = match grid {
            Some((r, c)) => SomConfig::with_grid(r, c, seed),
            None => SomConfig::shaped(data.len(), &pcs, seed),
        };
        Som::check(data, &cfg);
        assert!(
            cfg.rows > 0 && cfg.cols > 0,
            "SOM grid must be at least 1×1"
        );
        let som = Som::initialize_from(&pcs, dim, &cfg);
        (cfg.clone(), codebook::train(som, data, &cfg))
    }

    fn check(data: &[Vec<f64>], cfg: &SomConfig) {
        for (name, v) in [
            ("sigma0", cfg.sigma0),
            ("sigma_end", cfg.sigma_end),
            ("lr0", cfg.lr0),
            ("lr_end", cfg.lr_end),
        ] {
            assert!(
                v > 0.0 && v.is_finite(),
                "SOM {name} must be positive, got {v}"
            );
        }
        assert!(
            data.iter().flatten().all(|x| x.is_finite()),
            "SOM data must be finite"
        );
    }

    /// Number of nodes, rows · cols.
    pub fn nodes(&self) -> usize {
        self.rows * self.cols
    }

    /// (row, column) of a node.
    pub fn position(&self, node: usize) -> (usize, usize) {
        (node / self.cols, node % self.cols)
    }

    /// Whether two distinct nodes are grid neighbours (8-neighbourhood).
    pub fn are_neighbours(&self, a: usize, b: usize) -> bool {
        let ((ra, ca), (rb, cb)) = (self.position(a), self.position(b));
        a != b && ra.abs_diff(rb) <= 1 && ca.abs_diff(cb) <= 1
    }

    /// The best-matching unit of `x`: the node with the smallest squared distance (summed in
    /// index order), ties to the lowest index.
    pub fn bmu(&self, x: &[f64]) -> usize {
        assert_eq!(x.len(), self.dim, "SOM bmu: sample has the wrong length");
        let mut best = 0;
        let mut best_d = f64::INFINITY;
        for (j, w) in self.prototypes.iter().enumerate() {
            let d = sq_dist(x, w);
            if d < best_d {
                best = j;
                best_d = d;
            }
        }
        best
    }

    /// The BMU of every sample (the same as [`Som::bmu`] on each).
    pub fn assign(&self, data: &[Vec<f64>]) -> Vec<usize> {
        self.nearest_all(data, 1)
            .into_iter()
            .map(|b| b[0])
            .collect()
    }

    /// Mean Euclidean distance from each sample to its BMU's prototype; 0 for no data.
    pub fn quantization_error(&self, data: &[Vec<f64>]) -> f64 {
        if data.is_empty() {
            return 0.0;
        }
        self.mean_distance(data, &self.assign(data))
    }

    /// Fraction of samples whose first and second BMUs are not grid neighbours
    /// (8-neighbourhood; Kiviluoto 1996). 0 for no data or a map with a single node.
    pub fn topographic_error(&self, data: &[Vec<f64>]) -> f64 {
        if data.is_empty() || self.nodes() < 2 {
            return 0.0;
        }
        self.neighbour_errors(&self.nearest_all(data, 2))
    }

    /// The U-matrix (Ultsch & Siemon 1990): per node, the mean Euclidean distance from its
    /// prototype to those of its grid neighbours (8-neighbourhood); 0 for a node with none.
    /// High values mark cluster borders.
    pub fn u_matrix(&self) -> Vec<f64> {
        (0..self.nodes())
            .map(|j| {
                let (r, c) = self.position(j);
                let mut sum = 0.0;
                let mut count = 0usize;
                for nr in r.saturating_sub(1)..=(r + 1).min(self.rows - 1) {
                    for nc in c.saturating_sub(1)..=(c + 1).min(self.cols - 1) {
                        let k = nr * self.cols + nc;
                        if k != j {
                            sum += sq_dist(&self.prototypes[j], &self.prototypes[k]).sqrt();
                            count += 1;
                        }
                    }
                }
                if count > 0 {
                    sum / count as f64
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// The `k` nearest nodes of every sample, nearest first, ties to the lowest index.
    pub(super) fn nearest_all(&self, data: &[Vec<f64>], k: usize) -> Vec<Vec<usize>> {
        assert!(
            data.iter().all(|r| r.len() == self.dim),
            "SOM: samples must have the map's dimension"
        );
        let book = Codebook::of(self);
        let mut dist = vec![0.0; self.nodes()];
        data.iter()
            .map(|x| book.k_nearest(x, k, &mut dist))
            .collect()
    }

    /// Every sample's BMU and the map's quantization and topographic errors: [`Som::assign`],
    /// [`Som::quantization_error`] and [`Som::topographic_error`] from one search for each
    /// sample's two nearest nodes.
    pub fn fit_measures(&self, data: &[Vec<f64>]) -> (Vec<usize>, f64, f64) {
        if data.is_empty() {
            return (Vec::new(), 0.0, 0.0);
        }
        let best = self.nearest_all(data, 2);
        let assign: Vec<usize> = best.iter().map(|b| b[0]).collect();
        let qe = self.mean_distance(data, &assign);
        (assign, qe, self.neighbour_errors(&best))
    }

    /// Mean Euclidean distance from each sample (of at least one) to its node's prototype.
    fn mean_distance(&self, data: &[Vec<f64>], assign: &[usize]) -> f64 {
        let total: f64 = data
            .iter()
            .zip(assign)
            .map(|(x, &b)| sq_dist(x, &self.prototypes[b]).sqrt())
            .sum();
        total / data.len() as f64
    }

    /// Fraction of samples (at least one) whose two nearest nodes, `best`, are not grid
    /// neighbours; 0 on a single-node map, where a sample has no second node.
    fn neighbour_errors(&self, best: &[Vec<usize>]) -> f64 {
        if self.nodes() < 2 {
            return 0.0;
        }
        let errors = best
            .iter()
            .filter(|b| !self.are_neighbours(b[0], b[1]))
            .count();
        errors as f64 / best.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::som::fixtures::{blobs, setup};

    #[test]
    fn blobs_map_to_pure_distinct_regions() {
        setup();
        let (data, label, centres) = blobs(11);
        let cfg = SomConfig::for_data(data.len(), 7);
        let som = Som::train(&data, &cfg);
        let assign = som.assign(&data);
        // The codebook's assignment agrees with the prototype-by-prototype BMU.
        for (x, &a) in data.iter().zip(&assign) {
            assert_eq!(som.bmu(x), a);
        }
        // Purity: each node's majority blob holds ≥ 95% of its hits.
        let mut per_node = vec![[0usize; 4]; som.nodes()];
        for (&a, &b) in assign.iter().zip(&label) {
            per_node[a][b] += 1;
        }
        for counts in &per_node {
            let hits: usize = counts.iter().sum();
            let top = *counts.iter().max().unwrap();
            assert!(hits == 0 || top as f64 >= 0.95 * hits as f64, "{counts:?}");
        }
        // The blob centres have 4 distinct BMUs.
        let mut centre_bmus: Vec<usize> = centres.iter().map(|c| som.bmu(c)).collect();
        centre_bmus.sort();
        centre_bmus.dedup();
        assert_eq!(centre_bmus.len(), 4);
        // Training improves on the linear initialization; the map is topologically ordered.
        let initial = Som::initialize(&data, &cfg);
        let (qe0, qe) = (
            initial.quantization_error(&data),
            som.quantization_error(&data),
        );
        assert!(qe < 0.8 * qe0, "qe {qe} vs initial {qe0}");
        let te = som.topographic_error(&data);
        assert!(te < 0.1, "topographic error {te}");
        // The U-matrix is higher between blobs than inside them: its maximum is well above its
        // median.
        let mut u = som.u_matrix();
        assert_eq!(u.len(), som.nodes());
        u.sort_by(f64::total_cmp);
        assert!(u[u.len() - 1] > 2.0 * u[u.len() / 2], "{u:?}");
    }

    #[test]
    fn training_is_deterministic_per_seed() {
        setup();
        let (data, _, _) = blobs(3);
        let cfg = SomConfig::for_data(data.len(), 42);
        let bits =
            |s: &Som| -> Vec<u64> { s.prototypes.iter().flatten().map(|x| x.to_bits()).collect() };
        let a = Som::train(&data, &cfg);
        let b = Som::train(&data, &cfg);
        assert_eq!(bits(&a), bits(&b));
        let c = Som::train(&data, &SomConfig { seed: 43, ..cfg });
        assert_ne!(bits(&a), bits(&c));
    }

    #[test]
    fn degenerate_inputs() {
        setup();
        let cfg = SomConfig::for_data(0, 1);
        let empty = Som::train(&[], &cfg);
        assert_eq!((empty.dim, empty.prototypes.len()), (0, 4));
        assert_eq!(empty.assign(&[]), Vec::<usize>::new());
        assert_eq!(empty.quantization_error(&[]), 0.0);
        // Identical samples: every prototype collapses onto them; ties go to node 0.
        let same = vec![vec![1.0, 2.0]; 10];
        let som = Som::train(&same, &SomConfig::for_data(10, 1));
        assert_eq!(som.assign(&same), vec![0; 10]);
        assert_eq!(som.quantization_error(&same), 0.0);
    }
}
