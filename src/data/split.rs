//! The train/test split and feature scaling for one replicate.
//!
//! Stratified, so that every class keeps its share on both sides even in small sets such as
//! iris; seeded, so that a replicate's split is reproducible. Membership is all the seed
//! decides: rows keep their original order within train and within test. Scaling is fitted
//! on the train rows only, so nothing about the test rows leaks into training.

use super::{DataError, Dataset, DatasetSpec, Split};
use crate::rng;

/// Stream number for the split, distinct from the data generators' stream so that one seed
/// may drive both.
const SPLIT_STREAM: u64 = 0x5b17;

/// How features are scaled after the split.
enum Scaling {
    /// z-score with train mean and standard deviation (population, ddof = 0, as sklearn's
    /// `StandardScaler`); a feature constant on the train rows is only centred.
    Standardize,
    /// Divide by the known pixel maximum: fitting statistics to pixels would blow up the many
    /// pixels that are almost always 0.
    Divide(f32),
}

fn scaling(spec: &DatasetSpec) -> Scaling {
    match spec {
        DatasetSpec::Digits => Scaling::Divide(16.0),
        DatasetSpec::Mnist5k => Scaling::Divide(255.0),
        _ => Scaling::Standardize,
    }
}

/// Splits `data` (as loaded for `spec`) into train and test rows and scales the features.
///
/// Within each class a seeded permutation picks round(test_fraction · n_class) rows (rounding
/// half away from zero, at most n_class − 1) for the test set. With `test_fraction` 0, or for
/// sets without a split (xor, parity: returned untouched), `test` is None.
pub fn split(
    spec: &DatasetSpec,
    data: &Dataset,
    test_fraction: f64,
    seed: u64,
) -> Result<Split, DataError> {
    if !(0.0..1.0).contains(&test_fraction) {
        return Err(DataError::BadTestFraction(test_fraction));
    }
    if !spec.has_split() {
        return Ok(Split {
            train: data.clone(),
            test: None,
        });
    }
    let invalid = |message: String| DataError::Invalid {
        dataset: spec.label(),
        message,
    };
    if data.x.len() != data.n * data.features || data.y.len() != data.n {
        return Err(invalid(format!(
            "the data has {} values and {} labels, not {} × {} and {}",
            data.x.len(),
            data.y.len(),
            data.n,
            data.features,
            data.n
        )));
    }
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); data.classes];
    for (i, &y) in data.y.iter().enumerate() {
        let rows = by_class.get_mut(y as usize).ok_or_else(|| {
            invalid(format!(
                "row {i} has class {y}, but there are only {} classes",
                data.classes
            ))
        })?;
        rows.push(i);
    }

    let mut in_test = vec![false; data.n];
    if test_fraction > 0.0 {
        let mut rng = rng::stream(seed, SPLIT_STREAM);
        for rows in by_class.iter().filter(|rows| !rows.is_empty()) {
            let order = rng::permutation(&mut rng, rows.len());
            let k = ((test_fraction * rows.len() as f64).round() as usize).min(rows.len() - 1);
            for &p in &order[..k] {
                in_test[rows[p]] = true;
            }
        }
    }

    let present = by_class.iter().filter(|rows| !rows.is_empty()).count();
    if present < 2 {
        return Err(DataError::TooFewClasses {
            dataset: spec.label(),
            found: present,
        });
    }
    let mut train = subset(data, |i| !in_test[i]);
    let mut test = if test_fraction > 0.0 {
        let test = subset(data, |i| in_test[i]);
        if test.n == 0 {
            return Err(DataError::EmptyTest {
                dataset: spec.label(),
                fraction: test_fraction,
            });
        }
        Some(test)
    } else {
        None
    };

    match scaling(spec) {
        Scaling::Divide(by) => {
            for d in std::iter::once(&mut train).chain(test.as_mut()) {
                d.x.iter_mut().for_each(|v| *v /= by);
            }
        }
        Scaling::Standardize => {
            let (mean, std) = fit_standardize(&train);
            for d in std::iter::once(&mut train).chain(test.as_mut()) {
                for row in d.x.chunks_mut(d.features) {
                    for ((v, m), s) in row.iter_mut().zip(&mean).zip(&std) {
                        *v = ((*v as f64 - m) / s) as f32;
                    }
                }
            }
        }
    }
    Ok(Split { train, test })
}

/// The rows of `data` for which `keep` holds, in their original order.
fn subset(data: &Dataset, keep: impl Fn(usize) -> bool) -> Dataset {
    let rows: Vec<usize> = (0..data.n).filter(|&i| keep(i)).collect();
    let f = data.features;
    Dataset {
        x: rows
            .iter()
            .flat_map(|&i| &data.x[i * f..(i + 1) * f])
            .copied()
            .collect(),
        y: rows.iter().map(|&i| data.y[i]).collect(),
        n: rows.len(),
        features: f,
        classes: data.classes,
    }
}

/// Per-feature mean and standard deviation of the train rows, in f64. A feature whose train
/// values are all equal gets divisor 1 (it is only centred); that is decided by comparing the
/// values, not by a threshold on the computed std, which rounding can leave slightly above 0.
fn fit_standardize(train: &Dataset) -> (Vec<f64>, Vec<f64>) {
    let f = train.features;
    let n = train.n as f64;
    let mut mean = vec![0.0f64; f];
    for row in train.x.chunks(f) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += v as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0f64; f];
    let mut constant = vec![true; f];
    for row in train.x.chunks(f) {
        for j in 0..f {
            var[j] += (row[j] as f64 - mean[j]).powi(2);
            constant[j] &= row[j] == train.x[j];
        }
    }
    let std = var
        .iter()
        .zip(&constant)
        .map(|(&v, &c)| if c { 1.0 } else { (v / n).sqrt() })
        .collect();
    (mean, std)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iris() -> (DatasetSpec, Dataset) {
        let spec = DatasetSpec::Iris;
        let d = spec.load(0).unwrap();
        (spec, d)
    }

    fn rows(d: &Dataset) -> Vec<(Vec<u32>, u32)> {
        // f32 bit patterns, so rows can be sorted and compared as a multiset.
        let mut r: Vec<_> = (0..d.n)
            .map(|i| {
                let x = d.x[i * d.features..(i + 1) * d.features]
                    .iter()
                    .map(|v| v.to_bits())
                    .collect();
                (x, d.y[i])
            })
            .collect();
        r.sort();
        r
    }

    fn class_counts(d: &Dataset) -> Vec<usize> {
        let mut c = vec![0; d.classes];
        for &y in &d.y {
            c[y as usize] += 1;
        }
        c
    }

    /// The split with scaling undone is a partition of the original rows. Uses a set that the
    /// split cannot rescale (digits divides by 16, exactly invertible).
    #[test]
    fn no_row_is_lost_or_duplicated_and_classes_keep_their_shares() {
        let spec = DatasetSpec::Digits;
        let d = spec.load(0).unwrap();
        let s = split(&spec, &d, 0.25, 7).unwrap();
        let (mut train, mut test) = (s.train.clone(), s.test.clone().unwrap());
        assert_eq!(train.n + test.n, d.n);
        for part in [&mut train, &mut test] {
            part.x.iter_mut().for_each(|v| *v *= 16.0);
        }
        let mut all = rows(&train);
        all.extend(rows(&test));
        all.sort();
        assert_eq!(all, rows(&d));
        let (whole, held) = (class_counts(&d), class_counts(&test));
        for c in 0..d.classes {
            let want = (0.25 * whole[c] as f64).round() as usize;
            assert_eq!(held[c], want, "class {c}");
        }
        assert!(s
            .train
            .x
            .iter()
            .chain(&s.test.unwrap().x)
            .all(|&v| (0.0..=1.0).contains(&v)));
    }

    #[test]
    fn rows_keep_their_order_and_the_seed_decides_membership() {
        // Feature 0 is the row number, so order and membership can be read off.
        let n = 60;
        let data = Dataset {
            x: (0..n).flat_map(|i| [i as f32, (i % 7) as f32]).collect(),
            y: (0..n).map(|i| (i % 3) as u32).collect(),
            n,
            features: 2,
            classes: 3,
        };
        let spec = DatasetSpec::Csv {
            path: "t.csv".into(),
            label: "y".into(),
        };
        let a = split(&spec, &data, 0.3, 1).unwrap();
        assert_eq!(a, split(&spec, &data, 0.3, 1).unwrap());
        let b = split(&spec, &data, 0.3, 2).unwrap();
        assert_ne!(a.test, b.test);
        for s in [&a, &b] {
            let test = s.test.as_ref().unwrap();
            assert_eq!(test.n, 18);
            assert_eq!(class_counts(test), vec![6, 6, 6]);
            for d in [&s.train, test] {
                let first: Vec<f32> = d.x.iter().step_by(2).copied().collect();
                assert!(first.windows(2).all(|w| w[0] < w[1]), "order lost");
            }
        }
        let none = split(&spec, &data, 0.0, 1).unwrap();
        assert!(none.test.is_none());
        assert_eq!(none.train.n, n);
        // At most n_class - 1 rows of a class go to test.
        let small = Dataset {
            x: vec![0.0, 1.0, 2.0, 3.0],
            y: vec![0, 0, 1, 1],
            n: 4,
            features: 1,
            classes: 2,
        };
        let s = split(&spec, &small, 0.9, 3).unwrap();
        assert_eq!((s.train.n, s.test.unwrap().n), (2, 2));
    }

    #[test]
    fn standardization_uses_train_statistics_only() {
        let (spec, d) = iris();
        let s = split(&spec, &d, 0.3, 11).unwrap();
        assert_eq!(class_counts(s.test.as_ref().unwrap()), vec![15, 15, 15]);
        let stats = |d: &Dataset, j: usize| {
            let col: Vec<f64> = (0..d.n).map(|i| d.x[i * d.features + j] as f64).collect();
            let m = col.iter().sum::<f64>() / col.len() as f64;
            let v = col.iter().map(|x| (x - m).powi(2)).sum::<f64>() / col.len() as f64;
            (m, v.sqrt())
        };
        for j in 0..4 {
            let (m, sd) = stats(&s.train, j);
            assert!(
                m.abs() < 1e-5 && (sd - 1.0).abs() < 1e-5,
                "feature {j}: {m} {sd}"
            );
        }
        // Test rows must be scaled with the train statistics. Feature 0 is the row number
        // (scaling is increasing, so ranks across train and test recover it); feature 1 is
        // skewed so that train and test statistics differ.
        let spec = DatasetSpec::Csv {
            path: "t.csv".into(),
            label: "y".into(),
        };
        let n = 40;
        let raw = |i: usize| [i as f64, (i * i) as f64 / 10.0 + 3.0];
        let data = Dataset {
            x: (0..n).flat_map(|i| raw(i).map(|v| v as f32)).collect(),
            y: (0..n).map(|i| (i % 2) as u32).collect(),
            n,
            features: 2,
            classes: 2,
        };
        for seed in 0..5 {
            let s = split(&spec, &data, 0.25, seed).unwrap();
            let test = s.test.as_ref().unwrap();
            let mut ids: Vec<(f32, bool, usize)> = (0..s.train.n)
                .map(|r| (s.train.x[2 * r], true, r))
                .chain((0..test.n).map(|r| (test.x[2 * r], false, r)))
                .collect();
            ids.sort_by(|a, b| a.0.total_cmp(&b.0));
            let train_ids: Vec<usize> = (0..n).filter(|&i| ids[i].1).collect();
            for j in 0..2 {
                let col: Vec<f64> = train_ids.iter().map(|&i| raw(i)[j]).collect();
                let m = col.iter().sum::<f64>() / col.len() as f64;
                let sd =
                    (col.iter().map(|x| (x - m).powi(2)).sum::<f64>() / col.len() as f64).sqrt();
                for (id, &(_, in_train, r)) in ids.iter().enumerate() {
                    let got = if in_train {
                        s.train.x[2 * r + j]
                    } else {
                        test.x[2 * r + j]
                    };
                    let want = (raw(id)[j] - m) / sd;
                    assert!((got as f64 - want).abs() < 1e-5, "seed {seed} row {id}");
                }
            }
            let (tm, _) = stats(test, 1);
            assert!(tm.abs() > 1e-3, "seed {seed}: test mean {tm}");
        }
    }

    #[test]
    fn constant_features_are_only_centred_and_images_are_divided() {
        let spec = DatasetSpec::Csv {
            path: "t.csv".into(),
            label: "y".into(),
        };
        let data = Dataset {
            x: vec![3.0, 0.0, 3.0, 1.0, 3.0, 2.0, 3.0, 3.0],
            y: vec![0, 1, 0, 1],
            n: 4,
            features: 2,
            classes: 2,
        };
        let s = split(&spec, &data, 0.0, 0).unwrap();
        assert!(s.train.x.iter().step_by(2).all(|&v| v == 0.0));
        assert!(s.train.x.iter().all(|v| v.is_finite()));

        let spec = DatasetSpec::Mnist5k;
        let d = spec.load(0).unwrap();
        let s = split(&spec, &d, 0.2, 4).unwrap();
        let test = s.test.unwrap();
        assert_eq!((s.train.n, test.n), (4000, 1000));
        assert_eq!(class_counts(&test), vec![100; 10]);
        for part in [&s.train, &test] {
            assert!(part.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
            assert_eq!(part.x.iter().cloned().fold(0.0, f32::max), 1.0);
        }
    }

    #[test]
    fn truth_tables_are_untouched_and_fractions_are_checked() {
        for spec in [DatasetSpec::Xor, DatasetSpec::Parity { bits: 4 }] {
            let d = spec.load(0).unwrap();
            let s = split(&spec, &d, 0.25, 9).unwrap();
            assert_eq!(s.train, d);
            assert!(s.test.is_none());
        }
        let (spec, d) = iris();
        for bad in [-0.1, 1.0, 1.5, f64::NAN] {
            let err = split(&spec, &d, bad, 0).unwrap_err().to_string();
            assert!(err.contains("test_fraction"), "{err}");
        }
        let err = split(&spec, &d, 0.001, 0).unwrap_err().to_string();
        assert!(err.contains("no test rows"), "{err}");
        let one = Dataset {
            x: vec![0.0, 1.0],
            y: vec![1, 1],
            n: 2,
            features: 1,
            classes: 2,
        };
        let err = split(&spec, &one, 0.5, 0).unwrap_err().to_string();
        assert!(err.contains("at least two"), "{err}");
    }
}
