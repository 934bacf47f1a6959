//! The workbook `<name>.xlsx` a run writes, read back: every cell of its sheets is the cell of
//! its CSV (numbers bit for bit), its sheets freeze their header, filter their columns and
//! colour the success rates, and `summarize` writes it again byte for byte.

mod common;

use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use common::{csv, Scratch};

const SMOKE: &str = include_str!("../experiments/smoke.toml");

/// The sheets, in order, and the CSV each shows.
const SHEETS: [(&str, &str); 3] = [
    ("summary", "summary.csv"),
    ("comparisons", "comparisons.csv"),
    ("trials", "trials.csv"),
];

/// Excel's name of column `j` (0-based): A, …, Z, AA, ….
fn column_name(mut j: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (j % 26) as u8);
        if j < 26 {
            break;
        }
        j = j / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap()
}

/// The number a CSV field holds, where it holds one (the way a reader would take it).
fn number(text: &str) -> Option<f64> {
    let starts = text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'-' || b == b'.');
    starts
        .then(|| text.parse::<f64>().ok())
        .flatten()
        .filter(|v| v.is_finite())
}

/// Every cell of sheet `name` against the CSV at `csv_path`.
fn same_cells(book: &mut Xlsx<std::io::BufReader<std::fs::File>>, name: &str, csv_path: &Path) {
    let (header, rows) = csv(&std::fs::read_to_string(csv_path).unwrap());
    let range = book.worksheet_range(name).unwrap();
    assert_eq!(range.start(), Some((0, 0)), "{name}");
    let sheet: Vec<&[Data]> = range.rows().collect();
    assert_eq!(sheet.len(), rows.len() + 1, "{name}: rows");
    let mut numbers = 0;
    for (i, csv_row) in std::iter::once(&header).chain(&rows).enumerate() {
        assert_eq!(sheet[i].len(), csv_row.len(), "{name}: row {i}");
        for (j, text) in csv_row.iter().enumerate() {
            let at = format!("{name}!{}{}: `{text}`", column_name(j), i + 1);
            match (&sheet[i][j], number(text)) {
                (Data::Empty, _) => assert!(text.is_empty(), "{at} is empty"),
                (Data::Float(v), Some(want)) => {
                    assert!(i > 0, "{at}: a header is text");
                    assert_eq!(v.to_bits(), want.to_bits(), "{at} reads back as {v:?}");
                    numbers += 1;
                }
                (Data::String(s), None) => assert_eq!(s, text, "{at}"),
                (other, _) => panic!("{at} reads back as {other:?}"),
            }
        }
    }
    assert!(rows.is_empty() || numbers > 0, "{name}: no number at all");
}

/// The XML of the `k`-th sheet (from 1) inside the workbook.
fn sheet_xml(path: &Path, k: usize) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{k}.xml"))
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The frozen header, the filter over the whole table and the colour scale of each
/// success-rate column, in the sheet's XML.
fn check_layout(xml: &str, name: &str, csv_path: &Path) {
    let (header, rows) = csv(&std::fs::read_to_string(csv_path).unwrap());
    assert!(
        xml.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{name}: the header is not frozen:\n{xml:.2000}"
    );
    let last = format!("{}{}", column_name(header.len() - 1), rows.len() + 1);
    assert!(
        xml.contains(&format!(r#"<autoFilter ref="A1:{last}"/>"#)),
        "{name}: no filter over A1:{last}"
    );
    let rates: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| ["success_rate", "success_rate_a", "success_rate_b"].contains(&h.as_str()))
        .map(|(j, _)| j)
        .collect();
    assert_eq!(
        xml.matches("<colorScale>").count(),
        rates.len(),
        "{name}: colour scales"
    );
    for j in rates {
        let c = column_name(j);
        let at = xml
            .find(&format!(
                r#"<conditionalFormatting sqref="{c}2:{c}{}">"#,
                rows.len() + 1
            ))
            .unwrap_or_else(|| panic!("{name}: no colour scale on {}", header[j]));
        let rule = &xml[at..at + xml[at..].find("</conditionalFormatting>").unwrap()];
        for cfvo in [
            r#"<cfvo type="num" val="0"/>"#,
            r#"<cfvo type="num" val="0.5"/>"#,
            r#"<cfvo type="num" val="1"/>"#,
        ] {
            assert!(rule.contains(cfvo), "{name}: {cfvo} missing in {rule}");
        }
    }
}

#[test]
fn the_workbook_holds_the_csvs_cell_for_cell() {
    let s = Scratch::new("workbook");
    s.write("smoke.toml", SMOKE);
    let r = s.run(&["run", "smoke.toml"]).ok();
    assert!(r.stdout.contains("smoke.xlsx"), "{}", r.stdout);
    let dir = s.path("results/smoke");
    let path = dir.join("smoke.xlsx");
    let mut book: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["summary", "comparisons", "trials"]);
    for (k, (name, file)) in SHEETS.iter().enumerate() {
        same_cells(&mut book, name, &dir.join(file));
        let xml = sheet_xml(&path, k + 1);
        check_layout(&xml, name, &dir.join(file));
        // It opens on the summary.
        assert_eq!(xml.contains(r#"tabSelected="1""#), k == 0, "{name}");
    }
    let core = {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut xml = String::new();
        zip.by_name("docProps/core.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    };
    assert!(
        core.contains(">1980-01-01T00:00:00Z</dcterms:created>"),
        "{core}"
    );

    // `summarize` writes it again, to the byte, and says so.
    let before = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let r = s.run(&["summarize", "results/smoke"]).ok();
    assert!(r.stdout.contains("smoke.xlsx"), "{}", r.stdout);
    assert!(
        std::fs::read(&path).unwrap() == before,
        "summarize wrote other bytes"
    );
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp") || n.ends_with(".xlsx"))
        .collect();
    assert_eq!(names, ["smoke.xlsx"]);
}

#[test]
fn a_run_without_figures_writes_it_too() {
    let s = Scratch::new("workbook-nofig");
    s.write(
        "plain.toml",
        &SMOKE
            .replace("name = \"smoke\"", "name = \"plain\"\nfigures = false")
            .replace("replicates = 2", "replicates = 1"),
    );
    s.run(&["run", "plain.toml", "--out", "out"]).ok();
    assert!(!s.path("out/report.md").exists());
    let mut book: Xlsx<_> = calamine::open_workbook(s.path("out/plain.xlsx")).unwrap();
    same_cells(&mut book, "trials", &s.path("out/trials.csv"));
    same_cells(&mut book, "summary", &s.path("out/summary.csv"));
}
