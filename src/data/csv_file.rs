//! Reading a data set from CSV: the user's files and, from embedded bytes, the shipped ones.
//!
//! Format: a header row naming the columns; one column (named by the spec) holds the label,
//! any text; every other column is a numeric feature. Fields are trimmed of surrounding
//! spaces and blank lines are skipped (the `csv` crate's behaviour). Anything else is an
//! error naming the file, the 1-based line and the column: a user who mistyped one cell in a
//! 10,000-row file should not have to search for it.

use super::{DataError, Dataset};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Reads a user's CSV file; `label` names the label column.
/// Reads and parses a user's CSV file; returns it with the SHA-256 (hex) of its bytes.
pub(super) fn read_file(path: &Path, label: &str) -> Result<(Dataset, String), DataError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|reason| DataError::Read {
        path: file.clone(),
        reason,
    })?;
    let hash = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((parse(&bytes, &file, label)?, hash))
}

/// Parses CSV text; `file` is the name used in error messages.
pub(super) fn parse(bytes: &[u8], file: &str, label: &str) -> Result<Dataset, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        // Ragged rows are reported by our own check, with the file in the message.
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let malformed = |e: csv::Error| DataError::Malformed {
        file: file.to_string(),
        line: e.position().map_or(1, |p| p.line()),
        message: match e.kind() {
            csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8 text".to_string(),
            _ => e.to_string(),
        },
    };
    let header = reader.headers().map_err(malformed)?.clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(DataError::Empty { file: file.into() });
    }
    let label_cols: Vec<usize> = (0..header.len()).filter(|&j| &header[j] == label).collect();
    let label_col = match label_cols[..] {
        [j] => j,
        [] => {
            return Err(DataError::NoLabelColumn {
                file: file.into(),
                label: label.into(),
                columns: header
                    .iter()
                    .map(|h| format!("`{h}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
        _ => {
            return Err(DataError::DuplicateLabelColumn {
                file: file.into(),
                label: label.into(),
            })
        }
    };
    let features = header.len() - 1;
    if features == 0 {
        return Err(DataError::NoFeatures {
            file: file.into(),
            label: label.into(),
        });
    }

    let mut x = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(malformed)? {
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != header.len() {
            return Err(DataError::Ragged {
                file: file.into(),
                line,
                found: record.len(),
                expected: header.len(),
            });
        }
        for (j, text) in record.iter().enumerate() {
            let cell = || {
                (
                    file.to_string(),
                    line,
                    header[j].to_string(),
                    text.to_string(),
                )
            };
            if text.is_empty() {
                let (file, line, column, _) = cell();
                return Err(DataError::EmptyCell { file, line, column });
            }
            if j == label_col {
                labels.push(text.to_string());
                continue;
            }
            let value: f64 = text.parse().map_err(|_| {
                let (file, line, column, text) = cell();
                DataError::NotNumber {
                    file,
                    line,
                    column,
                    text,
                }
            })?;
            if !value.is_finite() {
                let (file, line, column, text) = cell();
                return Err(DataError::NotFinite {
                    file,
                    line,
                    column,
                    text,
                });
            }
            let single = value as f32;
            if !single.is_finite() {
                let (file, line, column, text) = cell();
                return Err(DataError::TooLarge {
                    file,
                    line,
                    column,
                    text,
                });
            }
            x.push(single);
        }
    }
    if labels.is_empty() {
        return Err(DataError::NoRows { file: file.into() });
    }
    let (y, classes) = number_classes(&labels);
    if classes < 2 {
        return Err(DataError::OneClass {
            file: file.into(),
            column: label.into(),
            class: labels[0].clone(),
        });
    }
    Ok(Dataset {
        n: labels.len(),
        x,
        y,
        features,
        classes,
    })
}

/// Numbers the distinct labels in sorted order: by value when every label is a finite number
/// (so "2" < "10", and "1" and "1.0" are one class), else as text. Sorting makes the numbering
/// independent of row order, and keeps shipped labels 0..k as they are.
fn number_classes(labels: &[String]) -> (Vec<u32>, usize) {
    let numeric: Option<Vec<f64>> = labels
        .iter()
        .map(|s| {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                // Adding 0.0 turns -0 into +0, so that they are one class.
                .map(|v| v + 0.0)
        })
        .collect();
    match numeric {
        Some(values) => {
            let mut distinct = values.clone();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            let y = values
                .iter()
                .map(|v| distinct.binary_search_by(|d| d.total_cmp(v)).unwrap() as u32)
                .collect();
            (y, distinct.len())
        }
        None => {
            let mut distinct: Vec<&str> = labels.iter().map(String::as_str).collect();
            distinct.sort_unstable();
            distinct.dedup();
            let y = labels
                .iter()
                .map(|l| distinct.binary_search(&l.as_str()).unwrap() as u32)
                .collect();
            (y, distinct.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A temporary file, removed when dropped.
    struct Temp(PathBuf);

    impl Temp {
        fn new(contents: &[u8]) -> Temp {
            static COUNT: AtomicUsize = AtomicUsize::new(0);
            let name = format!(
                "initbench-data-{}-{}.csv",
                std::process::id(),
                COUNT.fetch_add(1, Ordering::Relaxed)
            );
            let path = std::env::temp_dir().join(name);
            std::fs::write(&path, contents).unwrap();
            Temp(path)
        }
        fn name(&self) -> String {
            self.0.file_name().unwrap().to_string_lossy().into_owned()
        }
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn read(contents: &str, label: &str) -> (Result<Dataset, DataError>, String) {
        let t = Temp::new(contents.as_bytes());
        (read_file(&t.0, label).map(|(d, _)| d), t.name())
    }

    #[test]
    fn the_hash_is_the_sha256_of_the_file_bytes() {
        // sha256("x,label\n1,0\n2,1\n") from coreutils' sha256sum; one byte more changes it.
        let t = Temp::new(b"x,label\n1,0\n2,1\n");
        let (_, hash) = read_file(&t.0, "label").unwrap();
        assert_eq!(
            hash,
            "c8dd8d3496a111c5b9d344145ae2f555544109419106bc5fc0447d225c4edae2"
        );
        let u = Temp::new(b"x,label\n1,0\n2,1\n\n");
        assert_ne!(read_file(&u.0, "label").unwrap().1, hash);
    }

    /// Reads `contents`, expects an error, and checks that it names the file and `parts`.
    fn error(contents: &str, label: &str, parts: &[&str]) -> String {
        let (result, name) = read(contents, label);
        let msg = result.expect_err("expected an error").to_string();
        assert!(msg.contains(&name), "no file name in: {msg}");
        for part in parts {
            assert!(msg.contains(part), "no `{part}` in: {msg}");
        }
        msg
    }

    #[test]
    fn reads_features_and_numbers_labels_in_sorted_order() {
        let (d, _) = read(
            "a, b ,species\n1,2,setosa\n3,4.5,virginica\n\n5,-6e1,setosa\n",
            "species",
        );
        let d = d.unwrap();
        assert_eq!((d.n, d.features, d.classes), (3, 2, 2));
        assert_eq!(d.x, vec![1.0, 2.0, 3.0, 4.5, 5.0, -60.0]);
        assert_eq!(d.y, vec![0, 1, 0]);
        // Label column first; numeric labels sort by value, not as text; 1 and 1.0 are one class.
        let (d, _) = read("y,x\n10,0\n2,1\n1,2\n1.0,3\n", "y");
        let d = d.unwrap();
        assert_eq!(d.y, vec![2, 1, 0, 0]);
        assert_eq!((d.features, d.classes), (1, 3));
        // Mixed labels sort as text.
        let (d, _) = read("x,y\n0,b\n1,10\n2,9\n", "y");
        assert_eq!(d.unwrap().y, vec![2, 0, 1]);
    }

    #[test]
    fn missing_file_names_the_path_and_the_reason() {
        let path = std::env::temp_dir().join("initbench-no-such-file.csv");
        let msg = read_file(&path, "y").unwrap_err().to_string();
        assert!(msg.contains("initbench-no-such-file.csv"), "{msg}");
        assert!(msg.to_lowercase().contains("no such file"), "{msg}");
    }

    #[test]
    fn empty_file_and_header_only_are_errors() {
        error("", "y", &["is empty"]);
        error("\n\n", "y", &["is empty"]);
        error("x,y\n", "y", &["no data rows"]);
    }

    #[test]
    fn missing_or_repeated_label_column_lists_the_columns() {
        error(
            "a,b,c\n1,2,3\n",
            "label",
            &["line 1", "`label`", "`a`, `b`, `c`"],
        );
        error("y,x,y\n1,2,3\n", "y", &["line 1", "`y`", "more than once"]);
        error("y\n1\n2\n", "y", &["no feature columns"]);
    }

    #[test]
    fn ragged_rows_name_the_line() {
        error(
            "x,z,y\n1,2,0\n3,4,1\n5,6\n",
            "y",
            &["line 4", "2 fields", "header has 3"],
        );
        // Blank lines count: the bad row is on line 5.
        error(
            "x,z,y\n1,2,0\n\n3,4,1\n5,6,7,8\n",
            "y",
            &["line 5", "4 fields"],
        );
    }

    #[test]
    fn bad_cells_name_line_column_and_text() {
        error(
            "x,z,y\n1,2,0\n3,abc,1\n",
            "y",
            &["line 3", "column `z`", "`abc`", "not a number"],
        );
        for bad in ["nan", "NaN", "inf", "-inf", "infinity", "1e400"] {
            let csv = format!("x,z,y\n1,2,0\n3,4,1\n{bad},4,1\n");
            error(
                &csv,
                "y",
                &[
                    "line 4",
                    "column `x`",
                    &format!("`{bad}`"),
                    "not a finite number",
                ],
            );
        }
        error(
            "x,z,y\n1,1e39,0\n",
            "y",
            &["line 2", "column `z`", "`1e39`", "32-bit"],
        );
        error("x,z,y\n1,,0\n", "y", &["line 2", "column `z`", "empty"]);
        error(
            "x,z,y\n1,2,0\n1,2, \n",
            "y",
            &["line 3", "column `y`", "empty"],
        );
    }

    #[test]
    fn one_class_is_an_error() {
        error(
            "x,y\n1,cat\n2,cat\n",
            "y",
            &["at least two classes", "only `cat`", "column `y`"],
        );
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let t = Temp::new(b"x,y\n1,0\n2,\xff\n");
        let msg = read_file(&t.0, "y").unwrap_err().to_string();
        assert!(msg.contains(&t.name()) && msg.contains("line 3"), "{msg}");
    }
}
