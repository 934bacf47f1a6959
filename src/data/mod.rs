//! Data sets: what a spec names, how each is loaded or generated, and the train/test split.
//!
//! Three kinds, one shape ([`Dataset`]): synthetic sets generated from a seed
//! ([`synthetic`]), real sets shipped inside the binary ([`shipped`]), and the user's own CSV
//! files ([`csv_file`]). The shipped sets are parsed by the same CSV code as user files, so the
//! format has one definition. [`split`] turns a loaded set into what one replicate trains on:
//! a seeded, stratified train/test split with feature scaling fitted on the train rows only. [`catalogue`] names
//! and checks the sets a spec can ask for.

mod catalogue;
mod csv_file;
mod error;
mod shipped;
mod split;
mod synthetic;

pub use self::catalogue::CATALOGUE;
pub use self::error::DataError;
pub use self::split::split;

use std::path::PathBuf;

/// A data set as named in a spec.
#[derive(Clone, Debug, PartialEq)]
pub enum DatasetSpec {
    /// The seed notebook's 4 points: x ∈ {0,1}², y = x0 xor x1.
    Xor,
    /// All 2^bits bit patterns, y = parity; bits 2..=16.
    Parity {
        bits: u32,
    },
    /// Two interleaved spirals, n points in total.
    Spirals {
        n: usize,
        noise: f64,
    },
    /// sklearn `make_circles`.
    Circles {
        n: usize,
        noise: f64,
        factor: f64,
    },
    /// sklearn `make_moons`.
    Moons {
        n: usize,
        noise: f64,
    },
    /// sklearn `make_blobs` with centers drawn from U(-10, 10)^features.
    Blobs {
        n: usize,
        classes: u32,
        features: u32,
        std: f64,
    },
    Iris,
    Wine,
    BreastCancer,
    Digits,
    Mnist5k,
    /// A user file; `path` is already resolved by the caller, `label` names the label column.
    Csv {
        path: PathBuf,
        label: String,
    },
}
impl DatasetSpec {
    /// True when loading depends on the seed. Decided by kind, not by `noise`: a noiseless
    /// `moons` still reports true, which costs at most a redundant regeneration.
    pub fn is_random(&self) -> bool {
        matches!(
            self,
            DatasetSpec::Spirals { .. }
                | DatasetSpec::Circles { .. }
                | DatasetSpec::Moons { .. }
                | DatasetSpec::Blobs { .. }
        )
    }

    /// False for xor and parity: they are the whole truth table, so every point trains.
    pub fn has_split(&self) -> bool {
        !matches!(self, DatasetSpec::Xor | DatasetSpec::Parity { .. })
    }

    /// Loads or generates the whole data set. `seed` is used only when `is_random()`.
    pub fn load(&self, seed: u64) -> Result<Dataset, DataError> {
        self.load_hashed(seed).map(|(data, _)| data)
    }

    /// [`load`](Self::load), with the SHA-256 of the bytes parsed when the set is a user file:
    /// the file is part of the experiment's identity, and hashing the bytes that were read (not
    /// the file a second time) leaves no window for an edit in between.
    pub fn load_hashed(&self, seed: u64) -> Result<(Dataset, Option<String>), DataError> {
        if let DatasetSpec::Csv { path, label } = self {
            let (data, hash) = csv_file::read_file(path, label)?;
            return Ok((data, Some(hash)));
        }
        Ok((self.load_builtin(seed)?, None))
    }

    fn load_builtin(&self, seed: u64) -> Result<Dataset, DataError> {
        self.check().map_err(|message| DataError::Invalid {
            dataset: self.label(),
            message,
        })?;
        Ok(match self {
            DatasetSpec::Xor => synthetic::parity(2),
            DatasetSpec::Parity { bits } => synthetic::parity(*bits),
            DatasetSpec::Spirals { n, noise } => synthetic::spirals(*n, *noise, seed),
            DatasetSpec::Circles { n, noise, factor } => {
                synthetic::circles(*n, *noise, *factor, seed)
            }
            DatasetSpec::Moons { n, noise } => synthetic::moons(*n, *noise, seed),
            DatasetSpec::Blobs {
                n,
                classes,
                features,
                std,
            } => synthetic::blobs(*n, *classes as usize, *features as usize, *std, seed).0,
            DatasetSpec::Iris => shipped::load(shipped::Shipped::Iris)?,
            DatasetSpec::Wine => shipped::load(shipped::Shipped::Wine)?,
            DatasetSpec::BreastCancer => shipped::load(shipped::Shipped::BreastCancer)?,
            DatasetSpec::Digits => shipped::load(shipped::Shipped::Digits)?,
            DatasetSpec::Mnist5k => shipped::load(shipped::Shipped::Mnist5k)?,
            DatasetSpec::Csv { .. } => unreachable!("user files are read by load_hashed"),
        })
    }
}

/// A data set in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Row-major `[n, features]`.
    pub x: Vec<f32>,
    /// Class index per row, `0..classes`.
    pub y: Vec<u32>,
    pub n: usize,
    pub features: usize,
    pub classes: usize,
}

/// The data one replicate trains on.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub train: Dataset,
    /// None when the set has no split (xor, parity) or `test_fraction` is 0.
    pub test: Option<Dataset>,
}
