//! Figures, drawn once per backend from the same code so that the SVG and the PNG hold the
//! same drawing.

pub mod boxplot;
pub mod chaos;
pub mod curves;
pub mod heatmap;
pub mod histogram;
pub mod lines;
pub mod som;
pub mod survival;
pub mod sweep;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::{self, FAMILY};
use crate::error::{Error, Result};

pub type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// A figure that can draw itself on any plotters backend.
pub trait Figure {
    /// Width and height in pixels (the PNG's size and the SVG's viewport).
    fn size(&self) -> (u32, u32);
    fn title(&self) -> &str;
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static;
}

/// A figure written as `<stem>.svg` and `<stem>.png`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub title: String,
    pub svg: PathBuf,
    pub png: PathBuf,
}

fn draw_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Other(format!("{}: drawing failed: {e}", path.display()))
}

/// Draws `figure` into `dir/<stem>.svg` and `dir/<stem>.png`.
pub fn render(figure: &impl Figure, dir: &Path, stem: &str) -> Result<Written> {
    font::ensure()?;
    let size = figure.size();
    let svg_path = dir.join(format!("{stem}.svg"));
    let png_path = dir.join(format!("{stem}.png"));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        figure.draw(&root).map_err(|e| draw_error(&svg_path, e))?;
        root.present().map_err(|e| draw_error(&svg_path, e))?;
    }
    std::fs::write(&svg_path, svg).map_err(|e| Error::io(&svg_path, e))?;
    {
        let root = BitMapBackend::new(&png_path, size).into_drawing_area();
        figure.draw(&root).map_err(|e| draw_error(&png_path, e))?;
        root.present().map_err(|e| draw_error(&png_path, e))?;
    }
    Ok(Written {
        title: figure.title().to_string(),
        svg: svg_path,
        png: png_path,
    })
}

// ---------------------------------------------------------------------------------------------
// Styles shared by every figure.

pub const TITLE_SIZE: f64 = 24.0;
pub const SUBTITLE_SIZE: f64 = 16.0;
pub const CAPTION_SIZE: f64 = 18.0;
pub const AXIS_DESC_SIZE: f64 = 16.0;
pub const TICK_SIZE: f64 = 14.0;
pub const LEGEND_SIZE: f64 = 15.0;
/// Height of the title and subtitle band at the top of every figure.
pub const HEADER_H: u32 = 62;

pub fn text_style(size: f64) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&BLACK)
}

pub fn bold_style(size: f64) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font().style(FontStyle::Bold)).color(&BLACK)
}

pub fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// Ten Tableau colours and two dark extras: distinct on white, one per initializer.
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0x8c, 0x6d, 0x31),
];

/// The most series one panel shows; more initializers are split over several figures.
pub const MAX_SERIES: usize = PALETTE.len();

/// `c` a third of the way to white: a predicted or initial curve beside its measured one.
pub fn lighter(c: RGBColor) -> RGBColor {
    let mix = |v: u8| ((u16::from(v) + 2 * 255) / 3) as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

pub fn series_color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// Viridis (matplotlib), sampled at nine stops and interpolated linearly: perceptually
/// uniform and readable in grey scale and by colour-blind readers.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (0x44, 0x01, 0x54),
    (0x47, 0x2d, 0x7b),
    (0x3b, 0x52, 0x8b),
    (0x2c, 0x72, 0x8e),
    (0x21, 0x91, 0x8c),
    (0x28, 0xae, 0x80),
    (0x5e, 0xc9, 0x62),
    (0xad, 0xdc, 0x30),
    (0xfd, 0xe7, 0x25),
];

pub fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `viridis(t)`.
pub fn ink_on_viridis(t: f64) -> &'static RGBColor {
    if t < 0.55 {
        &WHITE
    } else {
        &BLACK
    }
}

/// Rows and columns for `n` panels: at most three columns.
pub fn grid(n: usize) -> (usize, usize) {
    match n {
        0 | 1 => (1, 1),
        2 => (1, 2),
        3 => (1, 3),
        4 => (2, 2),
        _ => (n.div_ceil(3), 3),
    }
}

/// Splits `area` into a rows × cols grid whose first column is `left_extra` pixels wider
/// (room for row labels shared by the whole row). Returns the panels row by row.
pub fn grid_areas<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: usize,
    cols: usize,
    left_extra: u32,
) -> Vec<DrawingArea<DB, Shift>> {
    let (w, h) = area.dim_in_pixel();
    let inner = w.saturating_sub(left_extra) as f64 / cols as f64;
    let xs: Vec<u32> = (1..cols)
        .map(|c| left_extra + (inner * c as f64).round() as u32)
        .collect();
    let ys: Vec<u32> = (1..rows)
        .map(|r| (h as f64 * r as f64 / rows as f64).round() as u32)
        .collect();
    area.split_by_breakpoints(xs, ys)
}

/// Draws the title (bold, centred) and the subtitle under it; returns the area below.
pub fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> std::result::Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (w, _) = root.dim_in_pixel();
    let cx = w as i32 / 2;
    root.draw(&Text::new(
        title.to_string(),
        (cx, 8),
        anchored(bold_style(TITLE_SIZE), HPos::Center, VPos::Top),
    ))?;
    if !subtitle.is_empty() {
        // Shrink a long subtitle to the figure's width rather than clip it.
        let fit = (w.saturating_sub(48)) as f64 / measure(subtitle, SUBTITLE_SIZE).max(1) as f64;
        let size = (SUBTITLE_SIZE * fit.min(1.0)).max(10.0);
        root.draw(&Text::new(
            subtitle.to_string(),
            (cx, 38),
            anchored(
                text_style(size).color(&RGBColor(0x44, 0x44, 0x44)),
                HPos::Center,
                VPos::Top,
            ),
        ))?;
    }
    let (_, rest) = root.split_vertically(HEADER_H);
    Ok(rest)
}

/// How a legend entry is marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Line,
    Patch,
}

/// Width in pixels of `text` drawn at `size` in the figure font (measured without a backend,
/// so a figure can size itself before drawing).
pub fn measure(text: &str, size: f64) -> u32 {
    let fallback = (text.chars().count() as f64 * size * 0.55).ceil() as u32;
    if font::ensure().is_err() {
        return fallback;
    }
    (FAMILY, size)
        .into_font()
        .box_size(text)
        .map_or(fallback, |(w, _)| w)
}

/// The widest of `labels` at `size`, in pixels.
pub fn max_width(labels: &[String], size: f64) -> u32 {
    labels.iter().map(|l| measure(l, size)).max().unwrap_or(0)
}

const LEGEND_ROW_H: u32 = 24;
const LEGEND_MARK_W: u32 = 30;

/// Columns, rows and item width of a legend laid out in `width` pixels.
fn legend_layout(entries: &[(String, RGBColor)], width: u32) -> (usize, usize, u32) {
    if entries.is_empty() {
        return (1, 0, 0);
    }
    let labels: Vec<String> = entries.iter().map(|(l, _)| l.clone()).collect();
    let item = max_width(&labels, LEGEND_SIZE) + LEGEND_MARK_W + 28;
    let cols = (width.saturating_sub(20) / item.max(1)).clamp(1, entries.len() as u32) as usize;
    (cols, entries.len().div_ceil(cols), item)
}

/// Height a legend of `entries` needs in a band `width` pixels wide.
pub fn legend_height(entries: &[(String, RGBColor)], width: u32) -> u32 {
    match legend_layout(entries, width) {
        (_, 0, _) => 0,
        (_, rows, _) => rows as u32 * LEGEND_ROW_H + 12,
    }
}

/// Draws a legend centred in `area`, filling rows left to right.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
    mark: Mark,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let style = text_style(LEGEND_SIZE);
    let (w, _) = area.dim_in_pixel();
    let (cols, _, item) = legend_layout(entries, w);
    let total = item * cols as u32;
    let x0 = (w.saturating_sub(total) / 2) as i32;
    for (i, (label, color)) in entries.iter().enumerate() {
        let (r, c) = (i / cols, i % cols);
        let x = x0 + (c as u32 * item) as i32;
        let y = 6 + (r as u32 * LEGEND_ROW_H) as i32 + LEGEND_ROW_H as i32 / 2;
        let mark_end = x + LEGEND_MARK_W as i32 - 4;
        match mark {
            Mark::Line => area.draw(&PathElement::new(
                vec![(x, y), (mark_end, y)],
                color.stroke_width(3),
            ))?,
            Mark::Patch => {
                area.draw(&Rectangle::new(
                    [(x + 4, y - 7), (mark_end - 4, y + 7)],
                    color.mix(0.45).filled(),
                ))?;
                area.draw(&Rectangle::new(
                    [(x + 4, y - 7), (mark_end - 4, y + 7)],
                    color.stroke_width(2),
                ))?;
            }
        }
        area.draw(&Text::new(
            label.clone(),
            (x + LEGEND_MARK_W as i32 + 4, y),
            anchored(style.clone(), HPos::Left, VPos::Center),
        ))?;
    }
    Ok(())
}

/// Tick label for a value that is a fraction (shown as a percentage) or a plain number.
pub fn format_value(v: f64, percent: bool) -> String {
    if percent {
        format!("{}%", format_number(v * 100.0))
    } else {
        format_number(v)
    }
}

/// Splits `body` into the plotting area above and the band its legend of `entries` needs below.
#[allow(clippy::type_complexity)]
pub fn split_legend<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let (w, h) = body.dim_in_pixel();
    body.split_vertically(h - legend_height(entries, w))
}

/// Tick labels for numbers: integers without decimals, others with up to 3 significant digits.
pub fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        if (v - v.round()).abs() < 1e-9 * a.max(1.0) {
            format!("{}", v.round() as i64)
        } else {
            let digits = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
            let s = format!("{v:.digits$}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            s.to_string()
        }
    } else {
        format!("{v:.0e}")
    }
}
