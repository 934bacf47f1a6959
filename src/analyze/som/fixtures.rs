//! Data shared by the map's unit tests.

use crate::rng;

/// One rayon thread, as the binary sets (`train::setup_process`).
pub(super) fn setup() {
    // candle re-reads /proc/cpuinfo on every matmul unless this is set.
    std::env::set_var("RAYON_NUM_THREADS", "1");
}

/// 4 Gaussian blobs (sd 1) in 6-D, 100 points each, centres 6 apart along axes b
/// (pairwise 8.5 apart). Returns the points, their blob and the centres.
pub(super) fn blobs(seed: u64) -> (Vec<Vec<f64>>, Vec<usize>, Vec<Vec<f64>>) {
    let mut r = rng::stream(seed, 0);
    let centres: Vec<Vec<f64>> = (0..4)
        .map(|b| (0..6).map(|k| if k == b { 6.0 } else { 0.0 }).collect())
        .collect();
    let mut data = Vec::new();
    let mut label = Vec::new();
    for i in 0..400 {
        let b = i % 4;
        data.push(centres[b].iter().map(|c| c + rng::normal(&mut r)).collect());
        label.push(b);
    }
    (data, label, centres)
}
