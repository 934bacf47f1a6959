//! The training kernel: the prototypes laid out by coordinate ([`Codebook`]), the exact
//! best-matching-unit scan and Kohonen's update on that layout, and the epoch loop that
//! drives them, compiled for AVX2 where the CPU has it.

use super::{Som, SomConfig};
use crate::rng;

/// Samples whose BMUs are found together during training, against the prototypes at the
/// batch's start (the prototypes then move after every sample).
pub const BATCH: usize = 32;
/// Tag mixed into the seed so that the SOM's order streams never coincide with other uses of
/// the same seed elsewhere in initbench.
const SOM_TAG: u64 = 0x534f_4d00; // "SOM\0"
/// Neighbourhood coefficients α·h below this are not applied.
const MIN_COEF: f64 = 1e-10;

/// Trains `som` on `data`. The loops are the same IEEE operations in the same order
/// whatever the instruction set, so AVX2 (4 lanes instead of SSE2's 2) changes nothing
/// but the speed.
pub(super) fn train(som: Som, data: &[Vec<f64>], cfg: &SomConfig) -> Som {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return unsafe { train_avx2(som, data, cfg) };
    }
    train_loop(som, data, cfg)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn train_avx2(som: Som, data: &[Vec<f64>], cfg: &SomConfig) -> Som {
    train_loop(som, data, cfg)
}

#[inline(always)]
fn train_loop(mut som: Som, data: &[Vec<f64>], cfg: &SomConfig) -> Som {
    let n = data.len();
    let total = cfg.epochs * n;
    if total == 0 || som.dim == 0 {
        return som;
    }
    let base = rng::derive(cfg.seed, SOM_TAG);
    let mut t = 0usize;
    let mut book = Codebook::of(&som);
    let mut scratch = Scratch::new(&som);
    let mut bmus = Vec::with_capacity(BATCH);
    for epoch in 0..cfg.epochs {
        let order = rng::permutation(&mut rng::stream(base, epoch as u64), n);
        for chunk in order.chunks(BATCH) {
            bmus.clear();
            for &i in chunk {
                bmus.push(book.nearest(&data[i], &mut scratch.dist));
            }
            for (&i, &best) in chunk.iter().zip(&bmus) {
                let frac = if total > 1 {
                    t as f64 / (total - 1) as f64
                } else {
                    0.0
                };
                let sigma = cfg.sigma0 * (cfg.sigma_end / cfg.sigma0).powf(frac);
                let lr = cfg.lr0 * (cfg.lr_end / cfg.lr0).powf(frac);
                book.update(&data[i], best, sigma, lr, &mut scratch);
                t += 1;
            }
        }
    }
    som.prototypes = book.prototypes();
    som
}

/// The prototypes by coordinate, `w[k * nodes + j]`, so that loops over nodes vectorize.
pub(super) struct Codebook {
    rows: usize,
    cols: usize,
    dim: usize,
    w: Vec<f64>,
}

/// Per-update buffers of [`Codebook::update`] and [`Codebook::nearest`].
struct Scratch {
    h: Vec<f64>,
    col: Vec<f64>,
    coef: Vec<f64>,
    dist: Vec<f64>,
}

impl Scratch {
    fn new(som: &Som) -> Scratch {
        Scratch {
            h: vec![0.0; som.rows.max(som.cols)],
            col: vec![0.0; som.cols],
            coef: vec![0.0; som.nodes()],
            dist: vec![0.0; som.nodes()],
        }
    }
}

impl Codebook {
    pub(super) fn of(som: &Som) -> Codebook {
        let m = som.nodes();
        let mut w = vec![0.0; m * som.dim];
        for (j, p) in som.prototypes.iter().enumerate() {
            for (k, &x) in p.iter().enumerate() {
                w[k * m + j] = x;
            }
        }
        Codebook {
            rows: som.rows,
            cols: som.cols,
            dim: som.dim,
            w,
        }
    }

    fn nodes(&self) -> usize {
        self.rows * self.cols
    }

    fn prototypes(&self) -> Vec<Vec<f64>> {
        let m = self.nodes();
        (0..m)
            .map(|j| (0..self.dim).map(|k| self.w[k * m + j]).collect())
            .collect()
    }

    /// Every node's squared distance to `x`, each summed in coordinate order as [`sq_dist`](super::map::sq_dist).
    #[inline(always)]
    fn distances(&self, x: &[f64], dist: &mut [f64]) {
        let m = self.nodes();
        // `Iterator::sum` of f64 starts from −0.0.
        dist.iter_mut().for_each(|d| *d = -0.0);
        for (k, &xk) in x.iter().enumerate().take(self.dim) {
            let wk = &self.w[k * m..(k + 1) * m];
            for (d, &w) in dist.iter_mut().zip(wk) {
                let t = xk - w;
                *d += t * t;
            }
        }
    }

    /// The BMU of `x`: smallest distance, ties to the lowest index.
    #[inline(always)]
    fn nearest(&self, x: &[f64], dist: &mut [f64]) -> usize {
        self.distances(x, dist);
        // The smallest distance in four running minima, which vectorize (a scan that also
        // tracks the index does not), then the first node at that distance: the node a scan
        // keeping the first strict minimum finds.
        let mut low = [f64::INFINITY; 4];
        let mut quads = dist.chunks_exact(4);
        for q in &mut quads {
            for l in 0..4 {
                low[l] = if q[l] < low[l] { q[l] } else { low[l] };
            }
        }
        let least = quads
            .remainder()
            .iter()
            .chain(&low)
            .fold(f64::INFINITY, |m, &d| if d < m { d } else { m });
        dist.iter().position(|&d| d == least).unwrap_or(0)
    }

    /// The `k` (≤ nodes) nearest nodes of `x`, nearest first, ties to the lowest index.
    pub(super) fn k_nearest(&self, x: &[f64], k: usize, dist: &mut [f64]) -> Vec<usize> {
        let k = k.min(self.nodes());
        self.distances(x, dist);
        let mut top: Vec<(f64, usize)> = Vec::with_capacity(k + 1);
        for (j, &d) in dist.iter().enumerate() {
            if top.len() == k && top.last().is_some_and(|l| d.total_cmp(&l.0).is_ge()) {
                continue;
            }
            // After every kept node at the same distance (they have lower indices).
            let at = top.partition_point(|p| p.0.total_cmp(&d).is_le());
            top.insert(at, (d, j));
            top.truncate(k);
        }
        top.into_iter().map(|p| p.1).collect()
    }

    /// One Kohonen step towards `x` around node `bmu`: w ← w + α·h·(x − w) on every node whose
    /// coefficient α·h is at least [`MIN_COEF`]. The Gaussian is separable on the grid, so it is
    /// built from per-row and per-column factors.
    #[inline(always)]
    fn update(&mut self, x: &[f64], bmu: usize, sigma: f64, lr: f64, s: &mut Scratch) {
        let (br, bc) = (bmu / self.cols, bmu % self.cols);
        let inv = 1.0 / (2.0 * sigma * sigma);
        // h(d) = exp(−d²/(2σ²)) for grid distances d along rows and along columns: one table.
        for (d, h) in s.h.iter_mut().enumerate() {
            *h = (-((d * d) as f64) * inv).exp();
        }
        let (hr, hc) = (&s.h[..self.rows], &s.h[..self.cols]);
        // Each column's factor, so that a row's coefficients are one vector loop.
        for (c, f) in s.col.iter_mut().enumerate() {
            *f = hc[c.abs_diff(bc)];
        }
        // Rows with any node to move are those with lr·h_row ≥ MIN_COEF (h_col ≤ 1); they are
        // contiguous around the BMU's row.
        let mut span = (self.rows, 0);
        for r in 0..self.rows {
            let row = &mut s.coef[r * self.cols..(r + 1) * self.cols];
            let a = lr * hr[r.abs_diff(br)];
            if a < MIN_COEF {
                row.fill(0.0);
                continue;
            }
            span = (span.0.min(r), r + 1);
            for (c, &f) in row.iter_mut().zip(&s.col) {
                *c = a * f;
            }
        }
        if span.0 >= span.1 {
            return;
        }
        let (from, to) = (span.0 * self.cols, span.1 * self.cols);
        let m = self.nodes();
        let coef = &s.coef[from..to];
        // Opaque, so that the compiler cannot turn w + −0 back into a choice of w.
        let stay = std::hint::black_box(-0.0);
        for (k, &xk) in x.iter().enumerate().take(self.dim) {
            let wk = &mut self.w[k * m + from..k * m + to];
            // A node that stays put adds −0, which leaves every w as it is (−0 included). The
            // choice is made on the step, not on w: choosing between w and its update compiles
            // to masked stores, which AMD processors run as slow microcode.
            for (w, &c) in wk.iter_mut().zip(coef) {
                let step = if c < MIN_COEF { stay } else { c * (xk - *w) };
                *w += step;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::som::fixtures::{blobs, setup};
    use crate::analyze::som::map::sq_dist;
    use crate::analyze::som::pca::dot;
    use crate::analyze::som::standardize;

    /// An independent reference for the kernel: a candle matmul shortlists each batch's BMUs
    /// (‖x‖² − 2x·w + ‖w‖²), the shortlist is re-scored exactly, and the prototypes are
    /// updated node by node. The kernel must give the same bits.
    fn reference_train(data: &[Vec<f64>], cfg: &SomConfig) -> Som {
        use candle_core::{Device, Tensor};
        fn nearest(som: &Som, batch: &[&[f64]], k: usize) -> Vec<Vec<usize>> {
            let (m, d) = (som.nodes(), som.dim);
            let flat_x: Vec<f64> = batch.iter().flat_map(|x| x.iter().copied()).collect();
            let flat_w: Vec<f64> = som.prototypes.iter().flatten().copied().collect();
            let x = Tensor::from_vec(flat_x, (batch.len(), d), &Device::Cpu).unwrap();
            let w = Tensor::from_vec(flat_w, (m, d), &Device::Cpu).unwrap();
            let cross = x.matmul(&w.t().unwrap()).unwrap().to_vec2::<f64>().unwrap();
            let ww: Vec<f64> = som.prototypes.iter().map(|w| dot(w, w)).collect();
            let max_ww = ww.iter().copied().fold(0.0, f64::max);
            let slack = 8.0 * (d as f64 + 4.0) * f64::EPSILON;
            batch
                .iter()
                .zip(cross)
                .map(|(x, xw)| {
                    let xx = dot(x, x);
                    let approx: Vec<f64> = xw
                        .iter()
                        .zip(&ww)
                        .map(|(p, w2)| xx - 2.0 * p + w2)
                        .collect();
                    let mut sorted = approx.clone();
                    sorted.select_nth_unstable_by(k - 1, f64::total_cmp);
                    let cutoff = sorted[k - 1] + slack * (xx + max_ww) + f64::MIN_POSITIVE;
                    let mut shortlist: Vec<(f64, usize)> = approx
                        .iter()
                        .enumerate()
                        .filter(|(_, a)| **a <= cutoff)
                        .map(|(j, _)| (sq_dist(x, &som.prototypes[j]), j))
                        .collect();
                    shortlist.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    shortlist.iter().take(k).map(|p| p.1).collect()
                })
                .collect()
        }
        let mut som = Som::initialize(data, cfg);
        let n = data.len();
        let total = cfg.epochs * n;
        let base = rng::derive(cfg.seed, SOM_TAG);
        let mut t = 0usize;
        for epoch in 0..cfg.epochs {
            let order = rng::permutation(&mut rng::stream(base, epoch as u64), n);
            for chunk in order.chunks(BATCH) {
                let batch: Vec<&[f64]> = chunk.iter().map(|&i| data[i].as_slice()).collect();
                let bmus = nearest(&som, &batch, 1);
                for (x, best) in batch.iter().zip(bmus) {
                    let frac = t as f64 / (total - 1) as f64;
                    let sigma = cfg.sigma0 * (cfg.sigma_end / cfg.sigma0).powf(frac);
                    let lr = cfg.lr0 * (cfg.lr_end / cfg.lr0).powf(frac);
                    let (br, bc) = (best[0] / som.cols, best[0] % som.cols);
                    let inv = 1.0 / (2.0 * sigma * sigma);
                    let h = |d: usize| (-((d * d) as f64) * inv).exp();
                    for r in 0..som.rows {
                        let a = lr * h(r.abs_diff(br));
                        if a < MIN_COEF {
                            continue;
                        }
                        for c in 0..som.cols {
                            let coef = a * h(c.abs_diff(bc));
                            if coef < MIN_COEF {
                                continue;
                            }
                            let w = &mut som.prototypes[r * som.cols + c];
                            for (wk, xk) in w.iter_mut().zip(x.iter()) {
                                *wk += coef * (xk - *wk);
                            }
                        }
                    }
                    t += 1;
                }
            }
        }
        // The assignment and the two nearest nodes, as the map computed them.
        let all: Vec<&[f64]> = data.iter().map(Vec::as_slice).collect();
        let top2 = nearest(&som, &all, 2);
        let fast: Vec<Vec<usize>> = som.nearest_all(data, 2);
        assert_eq!(top2, fast, "two nearest nodes");
        som
    }

    #[test]
    fn exact_scan_trains_the_same_map_as_the_matmul_shortlist() {
        setup();
        let bits =
            |s: &Som| -> Vec<u64> { s.prototypes.iter().flatten().map(|x| x.to_bits()).collect() };
        let (blob_data, _, _) = blobs(13);
        let mut r = rng::stream(21, 0);
        // 9-D like the XOR vectors, with exact duplicates (ties between nodes and samples).
        let mut xor_like: Vec<Vec<f64>> = (0..150)
            .map(|_| (0..9).map(|_| rng::normal(&mut r)).collect())
            .collect();
        xor_like.extend(xor_like[..20].to_vec());
        let (xor_like, _) = standardize(&xor_like);
        for (data, grid) in [
            (&blob_data, None),
            (&xor_like, None),
            (&xor_like, Some((3, 7))),
            (&xor_like, Some((1, 2))),
        ] {
            let (cfg, som) = Som::train_shaped(data, grid, 5);
            let expected = reference_train(data, &cfg);
            assert_eq!(bits(&som), bits(&expected), "grid {grid:?}");
            assert_eq!(bits(&Som::train(data, &cfg)), bits(&expected));
            // The plain loop (what a CPU without AVX2 runs) gives the same bits.
            let plain = train_loop(Som::initialize(data, &cfg), data, &cfg);
            assert_eq!(bits(&plain), bits(&expected));
            let (assign, qe, te) = som.fit_measures(data);
            assert_eq!(assign, som.assign(data));
            assert_eq!(qe.to_bits(), som.quantization_error(data).to_bits());
            assert_eq!(te.to_bits(), som.topographic_error(data).to_bits());
            for (x, &a) in data.iter().zip(&assign) {
                assert_eq!(som.bmu(x), a);
            }
        }
    }
}
