//! Why a data set could not be loaded or split.

/// Why a data set could not be loaded or split. CSV messages name the file and, where one
/// row or cell is at fault, its 1-based line number and column name.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    // The OS reason is part of the message rather than a `source`, so that printing the
    // error chain does not repeat it.
    #[error("cannot read data file `{path}`: {reason}")]
    Read {
        path: String,
        reason: std::io::Error,
    },
    #[error("data file `{file}` is empty; it needs a header row naming the columns, then one row per example")]
    Empty { file: String },
    #[error("data file `{file}` has a header row but no data rows")]
    NoRows { file: String },
    #[error("data file `{file}`, line 1: there is no label column `{label}`; the columns are: {columns}")]
    NoLabelColumn {
        file: String,
        label: String,
        columns: String,
    },
    #[error("data file `{file}`, line 1: the label column `{label}` appears more than once in the header")]
    DuplicateLabelColumn { file: String, label: String },
    #[error("data file `{file}`, line 1: there are no feature columns besides the label column `{label}`")]
    NoFeatures { file: String, label: String },
    #[error(
        "data file `{file}`, line {line}: the row has {found} fields but the header has {expected}"
    )]
    Ragged {
        file: String,
        line: u64,
        found: usize,
        expected: usize,
    },
    #[error("data file `{file}`, line {line}, column `{column}`: the cell is empty")]
    EmptyCell {
        file: String,
        line: u64,
        column: String,
    },
    #[error("data file `{file}`, line {line}, column `{column}`: `{text}` is not a number")]
    NotNumber {
        file: String,
        line: u64,
        column: String,
        text: String,
    },
    #[error("data file `{file}`, line {line}, column `{column}`: `{text}` is not a finite number")]
    NotFinite {
        file: String,
        line: u64,
        column: String,
        text: String,
    },
    #[error("data file `{file}`, line {line}, column `{column}`: `{text}` is too large for a 32-bit float")]
    TooLarge {
        file: String,
        line: u64,
        column: String,
        text: String,
    },
    #[error(
        "data file `{file}` needs at least two classes; found only `{class}` in column `{column}`"
    )]
    OneClass {
        file: String,
        column: String,
        class: String,
    },
    #[error("data file `{file}`, line {line}: {message}")]
    Malformed {
        file: String,
        line: u64,
        message: String,
    },
    #[error("data file `{file}` cannot be decompressed: {message}")]
    Decompress { file: String, message: String },
    #[error("data set `{dataset}`: {message}")]
    Invalid { dataset: String, message: String },
    #[error("test_fraction must be at least 0 and less than 1, got {0}")]
    BadTestFraction(f64),
    #[error("data set `{dataset}`: the train split holds {found} class(es); training needs at least two")]
    TooFewClasses { dataset: String, found: usize },
    #[error("data set `{dataset}`: test_fraction {fraction} rounds to no test rows in any class; use 0 for no test split or a larger fraction")]
    EmptyTest { dataset: String, fraction: f64 },
}
