//! When things happen during training: minibatch order, and the epochs a curve records.

use crate::rng;

/// The minibatches of one epoch, as row indices into the training split. Full batch is one
/// batch of every row in order; otherwise a fresh permutation each epoch, drawn from
/// `(order_seed, epoch)` alone, cut into batches of `size` (the last may be smaller, as
/// PyTorch's `DataLoader` does by default).
pub fn batches(n: usize, size: Option<usize>, order_seed: u64, epoch: u32) -> Vec<Vec<u32>> {
    match size {
        Some(b) if b < n => {
            let order = rng::permutation(&mut rng::stream(order_seed, epoch as u64), n);
            order
                .chunks(b)
                .map(|c| c.iter().map(|&i| i as u32).collect())
                .collect()
        }
        _ => vec![(0..n as u32).collect()],
    }
}

/// Epochs at which curves are recorded: every epoch up to 10, then ten per decade
/// (rounded 10^(k/10)), and always the last, so a curve stays short however long the run.
pub fn curve_epochs(epochs: u32) -> Vec<u32> {
    let mut out: Vec<u32> = (0..=epochs.min(10)).collect();
    let mut k = 11u32;
    loop {
        let e = 10f64.powf(k as f64 / 10.0).round() as u64;
        if e >= epochs as u64 {
            break;
        }
        if e as u32 > *out.last().expect("non-empty") {
            out.push(e as u32);
        }
        k += 1;
    }
    if *out.last().expect("non-empty") != epochs {
        out.push(epochs);
    }
    out
}

/// How many curve points a member records that ran `epochs_run` of `epochs` epochs: one per
/// curve epoch it was still training at, the epoch it diverged at excluded (`observed`, the
/// epochs its layer statistics are taken at too), and its last epoch where that is not a curve
/// epoch and it did not diverge. A member can converge and diverge later; what counts here is
/// whether it diverged.
pub fn curve_points(epochs: u32, epochs_run: u32, diverged: bool) -> (usize, usize) {
    let curve = curve_epochs(epochs);
    let observed = curve
        .iter()
        .filter(|&&e| e <= epochs_run && !(diverged && e == epochs_run))
        .count();
    let last = !diverged && !curve.contains(&epochs_run);
    (observed, observed + usize::from(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_epochs_are_log_spaced_and_bounded() {
        assert_eq!(curve_epochs(3), vec![0, 1, 2, 3]);
        assert_eq!(curve_epochs(10), (0..=10).collect::<Vec<_>>());
        let c = curve_epochs(2000);
        assert_eq!(&c[..12], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13]);
        assert_eq!(*c.last().unwrap(), 2000);
        assert!(c.windows(2).all(|w| w[0] < w[1]));
        assert!(c.len() < 40, "{}", c.len());
        assert!(curve_epochs(1_000_000).len() < 80);
    }

    #[test]
    fn batches_cover_every_row_once_per_epoch() {
        let b = batches(10, Some(4), 7, 1);
        assert_eq!(b.iter().map(|x| x.len()).collect::<Vec<_>>(), vec![4, 4, 2]);
        let mut all: Vec<u32> = b.concat();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(b, batches(10, Some(4), 7, 1));
        assert_ne!(b, batches(10, Some(4), 7, 2));
        assert_eq!(batches(10, None, 7, 1), vec![(0..10).collect::<Vec<u32>>()]);
        assert_eq!(batches(10, Some(10), 7, 1).len(), 1);
    }
}
