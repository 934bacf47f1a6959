//! The self-organizing map of initial weights (`initbench regions`) as a grid of nodes: the hit
//! map coloured by each node's success rate, and the U-matrix.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, format_number, header, ink_on_viridis, measure, text_style, viridis, DrawResult,
    Figure, AXIS_DESC_SIZE, HEADER_H, SUBTITLE_SIZE, TICK_SIZE,
};
use crate::analyze::regions::Mapped;
use crate::record::schema::{MapInput, SomNodeRow};
use crate::report::text::p_clause;

/// What colours the cells.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shading {
    /// Success rate 0–1 on viridis; grey for a node without trials.
    SuccessRate,
    /// Distance from `lo` (light) to `hi` (dark), grey scale.
    Distance { lo: f64, hi: f64 },
    /// A value from `lo` to `hi` on viridis (accuracy, whose range is narrow); grey for a node
    /// without trials.
    Value { lo: f64, hi: f64 },
}

#[derive(Clone, Debug, PartialEq)]
pub struct SomCell {
    pub row: usize,
    pub col: usize,
    /// None: no trials (drawn grey).
    pub value: Option<f64>,
    /// Text written in the cell (the hit count), if any.
    pub label: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SomFigure {
    pub title: String,
    /// One or two lines under the title.
    pub subtitle: Vec<String>,
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<SomCell>,
    pub shading: Shading,
    /// The colour bar's caption, one entry per line.
    pub bar_label: Vec<String>,
}

/// "whole initial vectors, 9 dims" or "weight and init features, 15 dims".
pub fn describe_input(regions: &Mapped) -> String {
    let what = match regions.fit.input {
        MapInput::Vectors => "whole initial parameter vectors",
        MapInput::Features => "per-layer weight statistics and init diagnostics",
    };
    format!("{what} ({} dims, standardized)", regions.fit.dims)
}

/// "χ² = 427.3, df = 114, p = 9.1e-38", or why there is none.
pub fn chi_square_text(regions: &Mapped) -> Option<String> {
    let f = &regions.fit;
    Some(format!(
        "χ² = {:.1}, df = {}, {}",
        f.chi_square?,
        f.chi_square_df?,
        p_clause(f.chi_square_p?)
    ))
}

fn map_size(regions: &Mapped) -> String {
    format!("{} × {} nodes", regions.fit.rows, regions.fit.cols)
}

/// The hit map: every node coloured by its success rate, labelled with its hits.
pub fn hit_map(regions: &Mapped) -> SomFigure {
    let f = &regions.fit;
    let cells = regions
        .nodes
        .iter()
        .map(|n| SomCell {
            row: n.row,
            col: n.col,
            value: n.success_rate.filter(|_| n.hits > 0),
            label: (n.hits > 0).then(|| n.hits.to_string()),
        })
        .collect();
    let chi = chi_square_text(regions).map_or("node × outcome χ² test undefined".into(), |c| {
        format!("node × outcome {c}")
    });
    let mut fig = SomFigure {
        title: "Weight-space map: success rate per node".into(),
        subtitle: Vec::new(),
        rows: f.rows,
        cols: f.cols,
        cells,
        shading: Shading::SuccessRate,
        bar_label: vec!["success".into(), "rate".into()],
    };
    let cell_text = if fig.shows_labels() {
        " · cell: trials mapped to the node"
    } else {
        ""
    };
    fig.subtitle = vec![
        format!(
            "{} trials · input: {} · {}{cell_text}",
            regions.trials(),
            describe_input(regions),
            map_size(regions)
        ),
        format!(
            "quantization error {:.3} · topographic error {:.3} · {chi}",
            f.quantization_error, f.topographic_error
        ),
    ];
    fig
}

/// Nodes with fewer trials are left grey on the accuracy map.
pub use crate::analyze::regions::outputs::MIN_ACCURACY_HITS;

/// The accuracy map: every node coloured by the mean final accuracy of its trials (test
/// accuracy, or training accuracy when `is_test` is false), labelled with its hits; None when
/// no node has an accuracy. Shows which initial regions generalize, beside which converge.
pub fn accuracy_map(regions: &Mapped, is_test: bool) -> Option<SomFigure> {
    let shown = |n: &SomNodeRow| {
        n.mean_accuracy
            .filter(|a| a.is_finite() && n.hits >= MIN_ACCURACY_HITS)
    };
    let values: Vec<f64> = regions.nodes.iter().filter_map(shown).collect();
    if values.is_empty() {
        return None;
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.05, hi + 0.05)
    };
    let cells = regions
        .nodes
        .iter()
        .map(|n| SomCell {
            row: n.row,
            col: n.col,
            value: shown(n),
            label: (n.hits > 0).then(|| n.hits.to_string()),
        })
        .collect();
    let which = if is_test { "test" } else { "training" };
    let mut fig = SomFigure {
        title: format!("Weight-space map: mean final {which} accuracy per node"),
        subtitle: Vec::new(),
        rows: regions.fit.rows,
        cols: regions.fit.cols,
        cells,
        shading: Shading::Value { lo, hi },
        bar_label: vec!["mean".into(), format!("{which} acc")],
    };
    let cell_text = if fig.shows_labels() {
        " · cell: trials mapped to the node"
    } else {
        ""
    };
    fig.subtitle = vec![
        format!(
            "the same map as the success-rate map · {}{cell_text}",
            map_size(regions)
        ),
        format!(
            "node means range {}–{} · grey: no trials or fewer than {MIN_ACCURACY_HITS}",
            format_number(lo),
            format_number(hi)
        ),
    ];
    Some(fig)
}

/// The U-matrix: every node coloured by the mean distance to its neighbours' prototypes.
pub fn u_matrix(regions: &Mapped) -> SomFigure {
    let values: Vec<f64> = regions
        .nodes
        .iter()
        .map(|n| n.u_matrix)
        .filter(|u| u.is_finite())
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let cells = regions
        .nodes
        .iter()
        .map(|n| SomCell {
            row: n.row,
            col: n.col,
            value: n.u_matrix.is_finite().then_some(n.u_matrix),
            label: None,
        })
        .collect();
    SomFigure {
        title: "U-matrix (distance between neighbouring nodes)".into(),
        subtitle: vec![
            format!(
                "mean distance from each node's prototype to its (up to 8) neighbours' · {}",
                map_size(regions)
            ),
            "light = close prototypes (a region), dark = far apart (a boundary)".into(),
        ],
        rows: regions.fit.rows,
        cols: regions.fit.cols,
        cells,
        shading: Shading::Distance { lo, hi },
        bar_label: vec!["distance".into()],
    }
}

const EMPTY: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const LEFT: u32 = 64;
const BELOW: u32 = 56;
const BAR_W: u32 = 130;
const SUB_LINE: u32 = 22;

/// Grey from near white (t = 0) to near black (t = 1).
fn grey(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let v = (0xf7 as f64 + (0x1c as f64 - 0xf7 as f64) * t).round() as u8;
    RGBColor(v, v, v)
}

impl SomFigure {
    fn top(&self) -> u32 {
        HEADER_H + SUB_LINE * self.subtitle.len().saturating_sub(1) as u32 + 12
    }

    /// Square cells, about 600 pixels for the longer side, 6 to 56 pixels each.
    fn cell(&self) -> u32 {
        let side = self.rows.max(self.cols).max(1) as f64;
        (600.0 / side).floor().clamp(6.0, 56.0) as u32
    }

    fn label_size(&self) -> f64 {
        (self.cell() as f64 * 0.36).min(15.0)
    }

    /// Whether the cells are big enough for their labels (8-pixel text or more).
    pub fn shows_labels(&self) -> bool {
        self.label_size() >= 8.0
    }

    fn color(&self, t: Option<f64>) -> RGBColor {
        match (t, self.shading) {
            (None, _) => EMPTY,
            (Some(v), Shading::SuccessRate) => viridis(v),
            (Some(v), Shading::Distance { lo, hi }) => {
                grey(if hi > lo { (v - lo) / (hi - lo) } else { 0.5 })
            }
            (Some(v), Shading::Value { lo, hi }) => viridis(Self::scaled(v, lo, hi)),
        }
    }

    fn scaled(v: f64, lo: f64, hi: f64) -> f64 {
        if hi > lo {
            (v - lo) / (hi - lo)
        } else {
            0.5
        }
    }

    /// Show every k-th row and column number so that they do not collide.
    fn tick_step(&self) -> usize {
        (26.0 / self.cell() as f64).ceil().max(1.0) as usize
    }
}

impl Figure for SomFigure {
    fn size(&self) -> (u32, u32) {
        let cell = self.cell();
        let grid_w = self.cols as u32 * cell;
        let grid_h = self.rows as u32 * cell;
        let sub = self
            .subtitle
            .iter()
            .map(|s| measure(s, SUBTITLE_SIZE))
            .max()
            .unwrap_or(0);
        let w = (LEFT + grid_w + BAR_W + 20)
            .max((sub + 48).min(960))
            .max(640);
        let h = self.top() + grid_h + BELOW;
        (w, h.max(360))
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        header(root, &self.title, "")?;
        let (w, _) = self.size();
        for (i, line) in self.subtitle.iter().enumerate() {
            // Shrink a long line to the figure's width rather than clip it.
            let fit = w.saturating_sub(48) as f64 / measure(line, SUBTITLE_SIZE).max(1) as f64;
            let size = (SUBTITLE_SIZE * fit.min(1.0)).max(10.0);
            root.draw(&Text::new(
                line.clone(),
                (w as i32 / 2, 38 + (i as u32 * SUB_LINE) as i32),
                anchored(
                    text_style(size).color(&RGBColor(0x44, 0x44, 0x44)),
                    HPos::Center,
                    VPos::Top,
                ),
            ))?;
        }
        let cell = self.cell() as i32;
        let grid_w = self.cols as i32 * cell;
        let grid_h = self.rows as i32 * cell;
        let content = LEFT as i32 + grid_w + BAR_W as i32;
        let x0 = (w as i32 - content) / 2 + LEFT as i32;
        let y0 = self.top() as i32;
        let label_size = self.label_size();
        for c in &self.cells {
            let x = x0 + c.col as i32 * cell;
            let y = y0 + c.row as i32 * cell;
            let rect = [(x, y), (x + cell, y + cell)];
            root.draw(&Rectangle::new(rect, self.color(c.value).filled()))?;
            if cell >= 6 {
                root.draw(&Rectangle::new(rect, WHITE.stroke_width(1)))?;
            }
            if let (Some(label), true) = (&c.label, self.shows_labels()) {
                let ink = match (self.shading, c.value) {
                    (Shading::SuccessRate, Some(t)) => ink_on_viridis(t),
                    (Shading::Value { lo, hi }, Some(v)) => ink_on_viridis(Self::scaled(v, lo, hi)),
                    _ => &BLACK,
                };
                root.draw(&Text::new(
                    label.clone(),
                    (x + cell / 2, y + cell / 2),
                    anchored(
                        text_style(label_size).color(ink),
                        HPos::Center,
                        VPos::Center,
                    ),
                ))?;
            }
        }
        root.draw(&Rectangle::new(
            [(x0, y0), (x0 + grid_w, y0 + grid_h)],
            RGBColor(0x88, 0x88, 0x88).stroke_width(1),
        ))?;
        // Row numbers on the left, column numbers below.
        let step = self.tick_step();
        for r in (0..self.rows).step_by(step) {
            root.draw(&Text::new(
                r.to_string(),
                (x0 - 6, y0 + r as i32 * cell + cell / 2),
                anchored(text_style(TICK_SIZE), HPos::Right, VPos::Center),
            ))?;
        }
        for c in (0..self.cols).step_by(step) {
            root.draw(&Text::new(
                c.to_string(),
                (x0 + c as i32 * cell + cell / 2, y0 + grid_h + 6),
                anchored(text_style(TICK_SIZE), HPos::Center, VPos::Top),
            ))?;
        }
        root.draw(&Text::new(
            "map column",
            (x0 + grid_w / 2, y0 + grid_h + 28),
            anchored(text_style(AXIS_DESC_SIZE), HPos::Center, VPos::Top),
        ))?;
        root.draw(&Text::new(
            "map row",
            (x0 - 40, y0 + grid_h / 2),
            anchored(text_style(AXIS_DESC_SIZE), HPos::Center, VPos::Center)
                .transform(FontTransform::Rotate270),
        ))?;
        self.colour_bar(root, x0 + grid_w + 24, y0, grid_h)
    }
}

impl SomFigure {
    fn colour_bar<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        x: i32,
        y: i32,
        grid_h: i32,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        for (i, line) in self.bar_label.iter().enumerate() {
            root.draw(&Text::new(
                line.clone(),
                (x, y + 18 * i as i32),
                anchored(text_style(TICK_SIZE), HPos::Left, VPos::Top),
            ))?;
        }
        let top = y + 18 * self.bar_label.len() as i32 + 10;
        let empty_key = matches!(self.shading, Shading::SuccessRate | Shading::Value { .. });
        let room = grid_h - (top - y) - if empty_key { 40 } else { 0 };
        let bar_h = room.clamp(100, 260);
        let bw = 22;
        let steps = 64;
        let t_of = |f: f64| match self.shading {
            Shading::SuccessRate => f,
            Shading::Distance { lo, hi } | Shading::Value { lo, hi } => lo + (hi - lo) * f,
        };
        for s in 0..steps {
            let f = (s as f64 + 0.5) / steps as f64;
            let y0 = top + bar_h - (bar_h as f64 * (s + 1) as f64 / steps as f64).round() as i32;
            let y1 = top + bar_h - (bar_h as f64 * s as f64 / steps as f64).round() as i32;
            root.draw(&Rectangle::new(
                [(x, y0), (x + bw, y1)],
                self.color(Some(t_of(f))).filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(x, top), (x + bw, top + bar_h)],
            BLACK.stroke_width(1),
        ))?;
        for k in 0..=4 {
            let f = k as f64 / 4.0;
            let ty = top + bar_h - (bar_h as f64 * f).round() as i32;
            let label = match self.shading {
                Shading::SuccessRate => format!("{}%", k * 25),
                Shading::Distance { .. } | Shading::Value { .. } => format_number(t_of(f)),
            };
            root.draw(&PathElement::new(
                vec![(x + bw, ty), (x + bw + 5, ty)],
                BLACK,
            ))?;
            root.draw(&Text::new(
                label,
                (x + bw + 8, ty),
                anchored(text_style(TICK_SIZE), HPos::Left, VPos::Center),
            ))?;
        }
        if empty_key {
            let ky = top + bar_h + 18;
            root.draw(&Rectangle::new(
                [(x, ky), (x + bw, ky + 16)],
                EMPTY.filled(),
            ))?;
            root.draw(&Text::new(
                "no trials",
                (x + bw + 8, ky + 8),
                anchored(text_style(TICK_SIZE), HPos::Left, VPos::Center),
            ))?;
        }
        Ok(())
    }
}
