//! The rows of every results file: one type per file, whose field names are the file's
//! columns in order. The run's writer serializes them and every reader (resume, analysis,
//! report) deserializes them, so a column is named, typed and formatted in one place.
//! `docs/results.md` documents each column.
//!
//! Row types take their text fields as a type parameter: `&str` to write from borrowed
//! labels and to read a row without allocating, `String` (the default) to keep it.
//! Numbers are written as [`numbers`] writes them: plain decimals a spreadsheet reads, the
//! network's f32 quantities with the digits that read back to the same f32, and a missing
//! value as an empty cell.

use std::path::Path;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::numbers;
use crate::error::{Error, Result};

mod analysis;
mod run;

pub use crate::train::Status;
pub use analysis::*;
pub use run::*;

/// A value a row leaves empty when it is not finite.
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The trial id as written: `t` and 16 hex digits, so no spreadsheet mistakes it for a number.
pub fn trial_id(id: u64) -> String {
    format!("t{id:016x}")
}

/// `t0123…` back to the id.
pub fn parse_id(s: &str) -> Option<u64> {
    let hex = s.strip_prefix('t')?;
    (hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u64::from_str_radix(hex, 16).ok())?
}

/// The serde form of a trial id.
pub mod id {
    use super::*;

    pub fn serialize<S: Serializer>(id: &u64, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut text = [b't'; 17];
        for (k, c) in text[1..].iter_mut().enumerate() {
            *c = b"0123456789abcdef"[(id >> (4 * (15 - k))) as usize & 15];
        }
        s.serialize_str(std::str::from_utf8(&text).expect("hex digits are ASCII"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<u64, D::Error> {
        struct Id;
        impl Visitor<'_> for Id {
            type Value = u64;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a trial id: `t` and 16 hex digits")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<u64, E> {
                parse_id(s).ok_or_else(|| {
                    E::custom(format!("`{s}` is not a trial id (`t` and 16 hex digits)"))
                })
            }
        }
        d.deserialize_str(Id)
    }
}

/// A quantity computed in the network's f32 ([`numbers::loss`]).
pub fn loss<S: Serializer>(x: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(numbers::loss(*x).as_str())
}

pub fn opt_loss<S: Serializer>(x: &Option<f64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match x {
        Some(x) => loss(x, s),
        None => s.serialize_none(),
    }
}

/// An exact f64 ([`numbers::real`]).
pub fn real<S: Serializer>(x: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(numbers::real(*x).as_str())
}

pub fn opt_real<S: Serializer>(x: &Option<f64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match x {
        Some(x) => real(x, s),
        None => s.serialize_none(),
    }
}

/// Seconds to the microsecond.
pub(super) fn micros<S: Serializer>(x: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{x:.6}"))
}

/// A run of exact f64s, one column each (the prototype columns of `som_nodes.csv`).
pub struct Reals<'a>(pub &'a [f64]);

impl Serialize for Reals<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(self.0.len())?;
        for x in self.0 {
            t.serialize_element(numbers::real(*x).as_str())?;
        }
        t.end()
    }
}

/// The column names of a row type: its field names, in order, read off its `Deserialize`
/// implementation so that no header is written out by hand.
pub fn columns<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Fields(&'static [&'static str]);
    impl<'de> Deserializer<'de> for &mut Fields {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(
            self,
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(de::Error::custom("only the fields were wanted"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut f = Fields(&[]);
    let _ = T::deserialize(&mut f);
    f.0
}

/// An error at `line` of `path` (1-based, the header being line 1), in one form for every
/// reader.
pub fn at_line(path: &Path, line: u64, e: impl std::fmt::Display) -> Error {
    Error::Input(format!("{}:{line}: {e}", path.display()))
}

/// A csv error reading `path`: an I/O error as such, anything else as bad input at its line.
pub fn csv_error(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => at_line(
            path,
            pos.map_or(line.unwrap_or(0), |p| p.line()),
            format!("the row has {len} fields where the header has {expected_len}"),
        ),
        csv::ErrorKind::Deserialize { pos, err } => {
            let line = pos.map_or(line.unwrap_or(0), |p| p.line());
            let field = err
                .field()
                .map(|i| format!("field {}: ", i + 1))
                .unwrap_or_default();
            at_line(path, line, format!("{field}{}", err.kind()))
        }
        other => match line {
            Some(l) => at_line(path, l, format!("{other:?}")),
            None => Error::Input(format!("{}: {other:?}", path.display())),
        },
    }
}

/// Reads every row of the CSV file at `path` as `T`, handing each to `each` with its line
/// number, borrowing its text from the reader's buffer (no allocation per row). The header
/// must be `T`'s columns; errors name the file and line.
pub fn read_rows<T>(path: &Path, mut each: impl FnMut(T, u64) -> Result<()>) -> Result<()>
where
    T: for<'de> Deserialize<'de>,
{
    read_records(path, columns::<T>(), |record, headers, line| {
        let row: T = record
            .deserialize(Some(headers))
            .map_err(|e| csv_error(path, e))?;
        each(row, line)
    })
}

/// [`read_rows`] for a row type that borrows its text: `f` deserializes each record.
pub fn read_records(
    path: &Path,
    expected: &[&str],
    mut each: impl FnMut(&csv::StringRecord, &csv::StringRecord, u64) -> Result<()>,
) -> Result<()> {
    let mut r = csv::Reader::from_path(path).map_err(|e| csv_error(path, e))?;
    let headers = r.headers().map_err(|e| csv_error(path, e))?.clone();
    check_header(path, &headers, expected)?;
    let mut record = csv::StringRecord::new();
    loop {
        match r.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(csv_error(path, e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        each(&record, &headers, line)?;
    }
}

/// Every column of `expected` must be in the header (a file may carry more, such as
/// `som_nodes.csv`'s prototypes).
fn check_header(path: &Path, headers: &csv::StringRecord, expected: &[&str]) -> Result<()> {
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(at_line(
            path,
            1,
            format!("no column {}", missing.join(", ")),
        ))
    }
}

/// All rows of `path` as `T`.
pub fn read_all<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let mut out = Vec::new();
    read_rows(path, |row, _| {
        out.push(row);
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(status: Status) -> TrialRow<&'static str> {
        TrialRow {
            trial_id: 0x5ce0_fb0c_0691_efa0,
            dataset: "xor",
            depth: 1,
            width: 8,
            activation: "tanh",
            initializer: "zeros",
            gain: 1.0,
            optimizer: "sgd(lr=0.5)",
            lr: 0.5,
            parametrization: "standard",
            replicate: 0,
            seed: 188052798005534,
            status,
            epochs_to_target: None,
            diverged_at_epoch: None,
            epochs_run: 30,
            final_train_loss: Some(0.25),
            final_train_acc: Some(0.5),
            final_test_loss: None,
            final_test_acc: None,
            best_train_loss: Some(0.25),
            best_train_acc: Some(0.5),
            best_test_loss: None,
            best_test_acc: None,
            init_loss: Some(0.25),
            init_grad_norm_first: Some(0.0),
            init_grad_norm_last: Some(0.0),
            init_act_std_first: Some(0.0),
            init_act_std_last: Some(0.0),
            init_saturated_frac: Some(0.0),
            init_dead_frac: None,
            init_symmetric: true,
        }
    }

    fn csv_of<T: Serialize>(rows: &[T]) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in rows {
            w.serialize(r).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn a_trial_row_is_written_as_the_files_hold_it_and_reads_back() {
        let text = csv_of(&[trial(Status::NotConverged)]);
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), columns::<TrialRow>().join(","));
        let row =
            "t5ce0fb0c0691efa0,xor,1,8,tanh,zeros,1,sgd(lr=0.5),0.5,standard,0,188052798005534,\
                   not_converged,,,30,0.25,0.5,,,0.25,0.5,,,0.25,0,0,0,0,0,,true";
        assert_eq!(lines.next().unwrap(), row);
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let back: TrialRow = r.deserialize().next().unwrap().unwrap();
        let t = trial(Status::NotConverged);
        assert_eq!(back.trial_id, t.trial_id);
        assert_eq!(back.status, Status::NotConverged);
        assert_eq!(back.init_dead_frac, None);
        assert_eq!(back.final_train_loss, Some(0.25));
    }

    #[test]
    fn columns_are_the_field_names_in_order() {
        assert_eq!(
            columns::<CurveRow>(),
            [
                "trial_id",
                "epoch",
                "train_loss",
                "train_acc",
                "test_loss",
                "test_acc"
            ]
        );
        assert_eq!(columns::<TrialRow>().len(), 32);
        assert_eq!(columns::<TrialRow<&str>>(), columns::<TrialRow>());
        assert_eq!(columns::<VectorRow>(), ["trial_id", "index", "value"]);
    }

    #[test]
    fn statuses_and_ids_read_back_and_bad_ones_are_named() {
        for s in [Status::Converged, Status::NotConverged, Status::Diverged] {
            let text = csv_of(&[trial(s)]);
            assert!(text.contains(s.as_str()));
        }
        assert_eq!(parse_id("t00000000000000ff"), Some(255));
        assert_eq!(parse_id("t+0000000000000ff"), None);
        assert_eq!(parse_id("tff"), None);
        assert_eq!(trial_id(255), "t00000000000000ff");
        let dir = std::env::temp_dir().join(format!("initbench-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("trials.csv");
        let good = csv_of(&[trial(Status::Converged), trial(Status::Diverged)]);
        let bad = good.replacen(",diverged,", ",exploded,", 1);
        std::fs::write(&path, &bad).unwrap();
        let e = read_all::<TrialRow>(&path).unwrap_err().to_string();
        assert!(e.contains("trials.csv:3:") && e.contains("exploded"), "{e}");
        let torn = good.rsplit_once(',').unwrap().0.to_string() + "\n";
        std::fs::write(&path, &torn).unwrap();
        let e = read_all::<TrialRow>(&path).unwrap_err().to_string();
        assert!(
            e.contains("trials.csv:3: the row has 31 fields where the header has 32"),
            "{e}"
        );
        std::fs::write(&path, good.replacen("t5ce0", "x5ce0", 1)).unwrap();
        let e = read_all::<TrialRow>(&path).unwrap_err().to_string();
        assert!(
            e.contains("trials.csv:2:") && e.contains("not a trial id"),
            "{e}"
        );
        std::fs::write(&path, "trial_id,dataset\n").unwrap();
        let e = read_all::<TrialRow>(&path).unwrap_err().to_string();
        assert!(e.contains("trials.csv:1: no column depth"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
