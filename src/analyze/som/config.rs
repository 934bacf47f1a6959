//! How big a map to build and how to train it: [`SomConfig`], with the grid-size heuristics
//! of the SOM Toolbox (the `som` module notes say why).

use super::pca::{principal_components, Pcs};

/// How to build and train a map.
#[derive(Clone, Debug, PartialEq)]
pub struct SomConfig {
    pub rows: usize,
    pub cols: usize,
    /// Passes over the data.
    pub epochs: usize,
    /// Neighbourhood radius (grid units) at the first update.
    pub sigma0: f64,
    /// Neighbourhood radius at the last update.
    pub sigma_end: f64,
    /// Learning rate at the first update.
    pub lr0: f64,
    /// Learning rate at the last update.
    pub lr_end: f64,
    /// Decides the sample order (and nothing else).
    pub seed: u64,
}

impl SomConfig {
    /// Defaults for `n_samples` samples when only the count is known: ⌈5·√n⌉ units (at least 4)
    /// on a square-ish grid (`rows` = round(√units) ≥ 2, `cols` = round(units/rows), so
    /// `cols ≥ rows`); σ₀ = max(rows, cols)/2 so the first updates move the whole map,
    /// σ_end = 0.5 so the last move essentially one node; α from 0.5 to 0.01; 20 epochs.
    pub fn for_data(n_samples: usize, seed: u64) -> SomConfig {
        let (long, short) = grid_shape(map_units(n_samples), 1.0);
        SomConfig::with_grid(short, long, seed)
    }

    /// Like [`SomConfig::for_data`], but the grid's side ratio follows the data: √(λ₁/λ₂) of the
    /// two largest principal-component variances (capped so the short side keeps ≥ 2 nodes),
    /// `rows` being the longer side. Square-ish when λ₂ = λ₁ or there are fewer than 2 samples.
    pub fn for_data_shaped(data: &[Vec<f64>], seed: u64) -> SomConfig {
        SomConfig::shaped(data.len(), &principal_components(data, 2), seed)
    }

    pub(super) fn shaped(n_samples: usize, pcs: &Pcs, seed: u64) -> SomConfig {
        let units = map_units(n_samples);
        let ratio = match (pcs.components.first(), pcs.components.get(1)) {
            (Some(&(l1, _)), Some(&(l2, _))) if l1 > 0.0 => {
                if l2 > 0.0 {
                    (l1 / l2).sqrt()
                } else {
                    f64::INFINITY
                }
            }
            _ => 1.0,
        };
        let (long, short) = grid_shape(units, ratio);
        SomConfig::with_grid(long, short, seed)
    }

    /// The defaults above for a given grid.
    pub fn with_grid(rows: usize, cols: usize, seed: u64) -> SomConfig {
        SomConfig {
            rows,
            cols,
            epochs: 20,
            sigma0: (rows.max(cols) as f64 / 2.0).max(0.5),
            sigma_end: 0.5,
            lr0: 0.5,
            lr_end: 0.01,
            seed,
        }
    }

    /// rows · cols.
    pub fn nodes(&self) -> usize {
        self.rows * self.cols
    }
}

/// ⌈5·√n⌉, at least 4.
fn map_units(n: usize) -> usize {
    ((5.0 * (n as f64).sqrt()).ceil() as usize).max(4)
}

/// (long, short) sides for `units` nodes with side ratio `ratio` ≥ 1 (capped at units/4 so that
/// short ≥ 2).
fn grid_shape(units: usize, ratio: f64) -> (usize, usize) {
    let ratio = ratio.clamp(1.0, (units as f64 / 4.0).max(1.0));
    let short = ((units as f64 / ratio).sqrt().round() as usize).max(2);
    let long = ((units as f64 / short as f64).round() as usize).max(short);
    (long, short)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    #[test]
    fn grid_heuristics() {
        let cfg = SomConfig::for_data(400, 1);
        assert_eq!((cfg.rows, cfg.cols), (10, 10));
        assert_eq!(cfg.sigma0, 5.0);
        assert_eq!(
            (cfg.sigma_end, cfg.lr0, cfg.lr_end, cfg.epochs),
            (0.5, 0.5, 0.01, 20)
        );
        let cfg = SomConfig::for_data(1000, 1); // 159 units
        assert_eq!((cfg.rows, cfg.cols), (13, 13));
        assert!(cfg.rows * cfg.cols >= 150);
        assert_eq!(SomConfig::for_data(0, 1).nodes(), 4);
        // Elongated data: sd 4 along one axis, 1 along the other → ratio 4 (λ ratio 16).
        let mut r = rng::stream(2, 0);
        let data: Vec<Vec<f64>> = (0..400)
            .map(|_| vec![rng::normal(&mut r), 4.0 * rng::normal(&mut r)])
            .collect();
        let cfg = SomConfig::for_data_shaped(&data, 1);
        assert_eq!((cfg.rows, cfg.cols), (20, 5));
        // Degenerate: one-dimensional data keeps two columns.
        let line: Vec<Vec<f64>> = (0..100).map(|i| vec![i as f64, 0.0]).collect();
        let cfg = SomConfig::for_data_shaped(&line, 1);
        assert_eq!((cfg.rows, cfg.cols), (25, 2));
    }
}
