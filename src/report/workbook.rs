//! The workbook: `<name>.xlsx` beside the CSVs, for reading the results in a spreadsheet.
//!
//! It renders the CSVs the analysis wrote and computes nothing: sheet `summary` is
//! `summary.csv`, `comparisons` is `comparisons.csv` and `trials` is `trials.csv`, cell for
//! cell. Each sheet has a bold header row, frozen, and a filter over its columns; the
//! success-rate columns (`success_rate`, `success_rate_a`, `success_rate_b`) carry a
//! red–yellow–green colour scale fixed at 0, ½ and 1. A cell whose text is a finite number
//! is written as that number (the text's parse, so it reads back to the same f64), an empty
//! cell stays empty, and anything else is text.
//!
//! Rows stream from the CSVs into sheets that keep one row in memory (the `constant_memory`
//! mode of `rust_xlsxwriter`), so a million trials take no more memory than ten. A sheet
//! holds at most [`MAX_ROWS`] rows, the header included; rows past that are left out of it
//! and sheet `notes` (then the one the workbook opens on) says how many, and that the CSV
//! holds them all. The document's creation date is fixed ([`CREATED`]), so the same results
//! give the same bytes, and the file is replaced atomically.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    Color, ConditionalFormat3ColorScale, ConditionalFormatType, DocProperties, ExcelDateTime,
    Format, Workbook, Worksheet, XlsxError,
};

use crate::error::{Error, Result};
use crate::record::canonical;

/// Excel's most rows in a sheet, the header included.
pub const MAX_ROWS: u32 = 1_048_576;

/// The document's creation (and modification) date, so that its bytes depend on the results
/// alone: 1980-01-01T00:00:00Z, the zip format's earliest date, which the file's entries carry
/// too.
pub const CREATED: (u16, u8, u8) = (1980, 1, 1);

/// The sheets, in order, each with the CSV it shows.
const SHEETS: [(&str, &str); 3] = [
    ("summary", "summary.csv"),
    ("comparisons", "comparisons.csv"),
    ("trials", "trials.csv"),
];

/// Widest column, in characters (labels and long numbers are cut off on screen, not in the
/// cell).
const MAX_WIDTH: usize = 40;

/// The colour scale's ends and middle: Excel's own red, yellow and green.
const LOW: u32 = 0xF8696B;
const MID: u32 = 0xFFEB84;
const HIGH: u32 = 0x63BE7B;

/// The workbook of the results in `dir` of the experiment `name`.
pub fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.xlsx"))
}

/// Writes `dir/<name>.xlsx` from the CSVs in `dir`; returns its path.
pub fn write(dir: &Path, name: &str) -> Result<PathBuf> {
    write_limited(dir, name, MAX_ROWS)
}

/// [`write`] with sheets of at most `max_rows` rows (at least 2), header included.
pub fn write_limited(dir: &Path, name: &str, max_rows: u32) -> Result<PathBuf> {
    let mut book = Book::new(dir, name, max_rows)?;
    book.trials()?;
    book.summary()?;
    book.save()
}

/// What one sheet got of its CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Filled {
    /// Data rows written (the header not counted).
    rows: u32,
    /// Data rows in the CSV.
    total: u64,
}

/// A workbook being written. Its trials sheet can be filled while the summary is still being
/// computed ([`Book::trials`]), its summary sheets once `summary.csv` and `comparisons.csv`
/// exist ([`Book::summary`]); then [`Book::save`].
pub struct Book {
    book: Workbook,
    dir: PathBuf,
    out: PathBuf,
    max_rows: u32,
    bold: Format,
    /// The sheets filled, by index in [`SHEETS`].
    filled: [Option<Filled>; 3],
}

impl Book {
    /// An empty workbook for `dir/<name>.xlsx`, its sheets at most `max_rows` rows (at least
    /// 2, at most [`MAX_ROWS`]).
    pub fn new(dir: &Path, name: &str, max_rows: u32) -> Result<Book> {
        let out = path(dir, name);
        let mut book = Workbook::new();
        let created = ExcelDateTime::from_ymd(CREATED.0, CREATED.1, CREATED.2)
            .map_err(|e| xlsx_error(&out, e))?;
        book.set_properties(
            &DocProperties::new()
                .set_title(name)
                .set_creation_datetime(&created),
        );
        // The sheets' rows wait on disk until the file is zipped: beside the results rather
        // than in a temporary folder that may be small or in memory.
        book.set_tempdir(dir).map_err(|e| xlsx_error(&out, e))?;
        Ok(Book {
            book,
            dir: dir.to_path_buf(),
            out,
            max_rows: max_rows.clamp(2, MAX_ROWS),
            bold: Format::new().set_bold(),
            filled: [None; 3],
        })
    }

    /// Fills the trials sheet from `trials.csv`.
    pub fn trials(&mut self) -> Result<()> {
        self.fill(2)
    }

    /// Fills the summary sheet from `summary.csv` and, where it exists, the comparisons sheet
    /// from `comparisons.csv`.
    pub fn summary(&mut self) -> Result<()> {
        self.fill(0)?;
        if self.dir.join(SHEETS[1].1).exists() {
            self.fill(1)?;
        }
        Ok(())
    }

    fn fill(&mut self, k: usize) -> Result<()> {
        let (sheet, file) = SHEETS[k];
        let ws = self.book.add_worksheet_with_constant_memory();
        ws.set_name(sheet).map_err(|e| xlsx_error(&self.out, e))?;
        self.filled[k] = Some(fill(ws, &self.dir.join(file), self.max_rows, &self.bold)?);
        Ok(())
    }

    /// Puts the sheets in order, adds the notes where a sheet was cut short, and replaces
    /// the workbook's file; returns its path.
    pub fn save(mut self) -> Result<PathBuf> {
        let out = self.out;
        // The sheets went in as they were filled; the workbook shows them in `SHEETS` order.
        let rank = |ws: &Worksheet| SHEETS.iter().position(|(s, _)| *s == ws.name());
        self.book.worksheets_mut().sort_by_key(rank);
        let cut: Vec<(&str, &str, Filled)> = SHEETS
            .iter()
            .zip(self.filled)
            .filter_map(|(&(sheet, file), f)| f.map(|f| (sheet, file, f)))
            .filter(|(_, _, f)| u64::from(f.rows) < f.total)
            .collect();
        if !cut.is_empty() {
            let ws = self.book.add_worksheet_with_constant_memory();
            notes(ws, &cut, self.max_rows, &self.bold).map_err(|e| xlsx_error(&out, e))?;
        }
        let book = &mut self.book;
        canonical::replace_derived(&out, |w| {
            book.save_to_writer(w).map_err(std::io::Error::other)
        })?;
        Ok(out)
    }
}

fn xlsx_error(path: &Path, e: XlsxError) -> Error {
    Error::Other(format!("{}: {e}", path.display()))
}

/// What a CSV cell becomes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cell<'a> {
    Empty,
    Number(f64),
    Text(&'a str),
}

/// The cell of a CSV field: a number where the text is a finite number (an integer only where
/// an f64 holds it exactly, so no digit changes), empty where it is empty, else text.
fn cell(text: &str) -> Cell<'_> {
    let Some(&first) = text.as_bytes().first() else {
        return Cell::Empty;
    };
    // Rust also reads `inf`, `NaN` and `infinity` as numbers: a number here starts like one.
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        if let Ok(v) = text.parse::<f64>() {
            let digits = text.trim_start_matches(['-', '+']);
            let integer = digits.bytes().all(|b| b.is_ascii_digit());
            // Up to 15 digits every integer is exact; past that, only some.
            let exact = !integer
                || digits.len() <= 15
                || text.parse::<i128>().is_ok_and(|n| v as i128 == n);
            if v.is_finite() && exact {
                return Cell::Number(v);
            }
        }
    }
    Cell::Text(text)
}

/// Whether a column holds a success rate (and gets the colour scale).
fn is_rate(column: &str) -> bool {
    matches!(column, "success_rate" | "success_rate_a" | "success_rate_b")
}

/// Streams the CSV at `src` into `ws`: the header in bold, then as many rows as fit in
/// `max_rows`; counts the rest. Freezes the header, filters the columns, sizes them to their
/// widest cell and puts the colour scale on the success rates.
fn fill(ws: &mut Worksheet, src: &Path, max_rows: u32, bold: &Format) -> Result<Filled> {
    let csv_err = |e: csv::Error| Error::Other(format!("{}: {e}", src.display()));
    let err = |e: XlsxError| Error::Other(format!("{}: {e}", src.display()));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(src)
        .map_err(csv_err)?;
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).map_err(csv_err)? {
        return Err(Error::Other(format!("{}: no header row", src.display())));
    }
    let header: Vec<String> = record
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    let columns = u16::try_from(header.len())
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| Error::Other(format!("{}: {} columns", src.display(), header.len())))?;
    // The header's width leaves room for the filter's button.
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count() + 3).collect();
    for (j, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, j as u16, h, bold)
            .map_err(err)?;
    }
    let fits = u64::from(max_rows - 1);
    let mut total = 0u64;
    while reader.read_byte_record(&mut record).map_err(csv_err)? {
        total += 1;
        if total > fits {
            continue;
        }
        let row = total as u32;
        for (j, field) in record.iter().enumerate() {
            let text = std::str::from_utf8(field)
                .map_err(|e| Error::Other(format!("{}:{}: {e}", src.display(), total + 1)))?;
            let col = j as u16;
            match cell(text) {
                Cell::Empty => continue,
                Cell::Number(v) => ws.write_number(row, col, v).map_err(err)?,
                Cell::Text(s) => ws.write_string(row, col, s).map_err(err)?,
            };
            widths[j] = widths[j].max(text.chars().count() + 1);
        }
    }
    let rows = total.min(fits) as u32;
    ws.set_freeze_panes(1, 0).map_err(err)?;
    ws.autofilter(0, 0, rows, columns - 1).map_err(err)?;
    for (j, w) in widths.iter().enumerate() {
        ws.set_column_width(j as u16, w.min(&MAX_WIDTH).to_owned() as f64)
            .map_err(err)?;
    }
    if rows > 0 {
        let scale = ConditionalFormat3ColorScale::new()
            .set_minimum(ConditionalFormatType::Number, 0)
            .set_midpoint(ConditionalFormatType::Number, 0.5)
            .set_maximum(ConditionalFormatType::Number, 1)
            .set_minimum_color(Color::RGB(LOW))
            .set_midpoint_color(Color::RGB(MID))
            .set_maximum_color(Color::RGB(HIGH));
        for (j, _) in header.iter().enumerate().filter(|(_, h)| is_rate(h)) {
            let col = j as u16;
            ws.add_conditional_format(1, col, rows, col, &scale)
                .map_err(err)?;
        }
    }
    Ok(Filled { rows, total })
}

/// The columns of sheet `notes`.
const NOTES: [&str; 5] = [
    "sheet",
    "file",
    "rows_in_file",
    "rows_in_sheet",
    "rows_left_out",
];

/// Sheet `notes`: which sheets were cut short, by how much, and where the rest is (one row
/// each, then a sentence each below).
fn notes(
    ws: &mut Worksheet,
    cut: &[(&str, &str, Filled)],
    max_rows: u32,
    bold: &Format,
) -> std::result::Result<(), XlsxError> {
    ws.set_name("notes")?;
    ws.set_active(true);
    for (j, h) in NOTES.iter().enumerate() {
        ws.write_string_with_format(0, j as u16, *h, bold)?;
        ws.set_column_width(j as u16, h.len() as f64 + 3.0)?;
    }
    let below = cut.len() as u32 + 2;
    for (i, &(sheet, file, f)) in cut.iter().enumerate() {
        let (row, left_out) = (i as u32 + 1, f.total - u64::from(f.rows));
        ws.write_string(row, 0, sheet)?.write_string(row, 1, file)?;
        ws.write_number(row, 2, f.total as f64)?
            .write_number(row, 3, f64::from(f.rows))?
            .write_number(row, 4, left_out as f64)?;
        let text = format!(
            "Sheet {sheet} holds the first {} of the {} rows of {file}: a sheet holds at most {max_rows} rows, its header included. The other {left_out} rows are left out here; {file} holds them all.",
            f.rows, f.total
        );
        ws.write_string(below + i as u32, 0, text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("initbench-workbook-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
        let mut book: Xlsx<_> = calamine::open_workbook(path).unwrap();
        let range = book.worksheet_range(name).unwrap();
        range.rows().map(|r| r.to_vec()).collect()
    }

    fn sheet_names(path: &Path) -> Vec<String> {
        let book: Xlsx<_> = calamine::open_workbook(path).unwrap();
        book.sheet_names()
    }

    #[test]
    fn numbers_are_numbers_and_the_rest_text() {
        assert_eq!(cell(""), Cell::Empty);
        assert_eq!(cell("0.1"), Cell::Number(0.1));
        assert_eq!(cell("-3"), Cell::Number(-3.0));
        assert_eq!(cell("1.5e-7"), Cell::Number(1.5e-7));
        assert_eq!(cell(".5"), Cell::Number(0.5));
        assert_eq!(cell("188052798005534"), Cell::Number(188052798005534.0));
        for text in [
            "inf",
            "-inf",
            "NaN",
            "infinity",
            "true",
            "t5ce0fb0c0691efa0",
            "sgd(lr=0.5)",
            "1e999",
            "-",
            " 1",
            "12345678901234567890",
        ] {
            assert_eq!(cell(text), Cell::Text(text), "{text}");
        }
        // 2^53 is held exactly, 2^53 + 1 is not.
        assert_eq!(cell("9007199254740992"), Cell::Number(9007199254740992.0));
        assert_eq!(cell("-9007199254740993"), Cell::Text("-9007199254740993"));
        assert!(is_rate("success_rate") && is_rate("success_rate_b"));
        assert!(!is_rate("success_rate_ci_low"));
    }

    #[test]
    fn cells_read_back_as_written() {
        let dir = scratch("cells");
        std::fs::write(
            dir.join("summary.csv"),
            "initializer,n,success_rate,note\nzeros,2,0,\n\"a,b\",3,0.6576197724933469,inf\n",
        )
        .unwrap();
        std::fs::write(dir.join("trials.csv"), "trial_id,x\nt00ff,-0\n").unwrap();
        let out = write(&dir, "cells").unwrap();
        assert_eq!(out, dir.join("cells.xlsx"));
        // No comparisons.csv: no comparisons sheet; nothing cut: no notes.
        assert_eq!(sheet_names(&out), ["summary", "trials"]);
        let rows = sheet(&out, "summary");
        let s = |t: &str| Data::String(t.into());
        assert_eq!(
            rows[0],
            [s("initializer"), s("n"), s("success_rate"), s("note")]
        );
        assert_eq!(
            rows[1],
            [s("zeros"), Data::Float(2.0), Data::Float(0.0), Data::Empty]
        );
        assert_eq!(
            rows[2],
            [
                s("a,b"),
                Data::Float(3.0),
                Data::Float(0.6576197724933469),
                s("inf")
            ]
        );
        let t = sheet(&out, "trials");
        assert_eq!(t[1][0], s("t00ff"));
        match t[1][1] {
            Data::Float(v) => assert_eq!(v.to_bits(), (-0.0f64).to_bits()),
            ref other => panic!("{other:?}"),
        }
        // No temporary file is left behind.
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(names.is_empty(), "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rows_past_the_limit_are_left_out_and_noted() {
        let dir = scratch("limit");
        std::fs::write(
            dir.join("summary.csv"),
            "initializer,success_rate\nzeros,0\n",
        )
        .unwrap();
        std::fs::write(dir.join("comparisons.csv"), "initializer_a,initializer_b\n").unwrap();
        let mut trials = String::from("trial_id,replicate\n");
        for i in 0..10 {
            trials.push_str(&format!("t{i:02},{i}\n"));
        }
        std::fs::write(dir.join("trials.csv"), &trials).unwrap();
        // 5 rows a sheet: the header and 4 trials.
        let out = write_limited(&dir, "limit", 5).unwrap();
        assert_eq!(
            sheet_names(&out),
            ["summary", "comparisons", "trials", "notes"]
        );
        let t = sheet(&out, "trials");
        assert_eq!(t.len(), 5);
        assert_eq!(t[4][0], Data::String("t03".into()));
        let notes = sheet(&out, "notes");
        assert_eq!(notes[1][0], Data::String("trials".into()));
        assert_eq!(notes[1][1], Data::String("trials.csv".into()));
        assert_eq!(
            notes[1][2..5],
            [Data::Float(10.0), Data::Float(4.0), Data::Float(6.0)]
        );
        let Data::String(text) = &notes[3][0] else {
            panic!("{:?}", notes[3]);
        };
        assert!(
            text.contains("first 4 of the 10 rows of trials.csv")
                && text.contains("The other 6 rows are left out here; trials.csv holds them all"),
            "{text}"
        );
        // The workbook opens on the notes.
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut xml)
            .unwrap();
        assert!(xml.contains(r#"activeTab="3""#), "{xml}");
        // Under the limit: no notes.
        let out = write_limited(&dir, "limit", 11).unwrap();
        assert_eq!(sheet_names(&out), ["summary", "comparisons", "trials"]);
        assert_eq!(sheet(&out, "trials").len(), 11);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_same_csvs_give_the_same_bytes() {
        let dir = scratch("bytes");
        std::fs::write(
            dir.join("summary.csv"),
            "initializer,success_rate\nzeros,0.25\n",
        )
        .unwrap();
        std::fs::write(dir.join("trials.csv"), "trial_id\nt1\n").unwrap();
        let out = write(&dir, "bytes").unwrap();
        let first = std::fs::read(&out).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        write(&dir, "bytes").unwrap();
        assert!(std::fs::read(&out).unwrap() == first);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_or_damaged_csv_is_an_error_naming_it() {
        let dir = scratch("missing");
        std::fs::write(dir.join("summary.csv"), "a,b\n1,2\n").unwrap();
        let e = write(&dir, "missing").unwrap_err().to_string();
        assert!(e.contains("trials.csv"), "{e}");
        std::fs::write(dir.join("trials.csv"), "a,b\n1,2,3\n").unwrap();
        let e = write(&dir, "missing").unwrap_err().to_string();
        assert!(e.contains("trials.csv"), "{e}");
        assert!(!dir.join("missing.xlsx").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
