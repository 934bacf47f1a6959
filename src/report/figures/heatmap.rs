//! Success-rate heatmaps: initializer (rows) × depth (columns), one panel per activation,
//! each cell coloured by converged / n and labelled with the rate and its Wilson 95% interval.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, bold_style, header, ink_on_viridis, max_width, measure, text_style, viridis,
    DrawResult, Figure, AXIS_DESC_SIZE, CAPTION_SIZE, HEADER_H, TICK_SIZE,
};
use crate::analyze::grid::{describe, Axis, Grid};
use crate::report::layout::Plan;

/// One cell: converged, n and the Wilson interval.
pub use crate::analyze::grid::Tally as HeatCell;

impl HeatCell {
    /// "72%" and "[63,80]".
    pub fn lines(&self) -> (String, String) {
        let pct = |x: f64| format!("{:.0}", x * 100.0);
        let ci = self.ci.map_or(String::new(), |(lo, hi)| {
            format!("[{},{}]", pct(lo), pct(hi))
        });
        (format!("{}%", pct(self.rate())), ci)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct HeatPanel {
    pub caption: String,
    /// cells[row][column]; None where the grid has no trials.
    pub cells: Vec<Vec<Option<HeatCell>>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HeatFigure {
    pub title: String,
    pub subtitle: String,
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    pub col_desc: String,
    pub panels: Vec<HeatPanel>,
}

const CELL_H: u32 = 44;
const CELL_TEXT: f64 = 15.0;
const CELL_CI_TEXT: f64 = 13.0;
const CAPTION_H: u32 = 30;
const BELOW_H: u32 = 58;
const GAP: u32 = 24;
const BAR_W: u32 = 110;

pub fn build(grid: &Grid, plan: &Plan, constants: &str) -> HeatFigure {
    let depths = grid.values(Axis::Depth).to_vec();
    let panels = plan
        .panels
        .iter()
        .map(|values| {
            let cells = plan
                .inits
                .iter()
                .map(|&i| {
                    depths
                        .iter()
                        .map(|d| {
                            let mut at = values.clone();
                            at.push((Axis::Depth, d.clone()));
                            grid.tally(&at, &grid.initializers[i])
                        })
                        .collect()
                })
                .collect();
            let activation: Vec<(Axis, String)> = values
                .iter()
                .filter(|(a, _)| *a == Axis::Activation)
                .cloned()
                .collect();
            HeatPanel {
                caption: describe(&activation),
                cells,
            }
        })
        .collect();
    let mut title = "Success rate by initializer and depth".to_string();
    if !plan.label.is_empty() {
        title = format!("{title}: {}", plan.label);
    }
    let mut subtitle = "cell: % converged [Wilson 95% CI]".to_string();
    let constants = constants.to_string();
    if !constants.is_empty() {
        subtitle = format!("{constants} · {subtitle}");
    }
    HeatFigure {
        title,
        subtitle,
        rows: plan
            .inits
            .iter()
            .map(|&i| grid.initializers[i].clone())
            .collect(),
        cols: depths,
        col_desc: "depth (hidden layers)".into(),
        panels,
    }
}

/// Panel grid: at most two panels across.
fn panel_grid(n: usize) -> (usize, usize) {
    if n <= 1 {
        (1, 1)
    } else {
        (n.div_ceil(2), 2)
    }
}

impl HeatFigure {
    fn label_w(&self) -> u32 {
        max_width(&self.rows, TICK_SIZE) + 14
    }

    fn cell_w(&self) -> u32 {
        let min = measure("[100,100]", CELL_CI_TEXT).max(measure("100%", CELL_TEXT)) + 16;
        let min = min.max(64);
        let (_, pcols) = panel_grid(self.panels.len());
        let cols = (pcols * self.cols.len()).max(1) as u32;
        let room = 900u32.saturating_sub(self.label_w() + BAR_W + GAP * pcols as u32 + 20) / cols;
        room.clamp(min, 160)
    }

    fn panel_w(&self) -> u32 {
        self.cols.len() as u32 * self.cell_w() + GAP
    }

    fn panel_h(&self) -> u32 {
        CAPTION_H + self.rows.len() as u32 * CELL_H + BELOW_H
    }
}

impl Figure for HeatFigure {
    fn size(&self) -> (u32, u32) {
        let (prows, pcols) = panel_grid(self.panels.len());
        let w = 10 + self.label_w() + pcols as u32 * self.panel_w() + BAR_W;
        let h = HEADER_H + prows as u32 * self.panel_h() + 10;
        (w.max(640), h.max(360))
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        header(root, &self.title, &self.subtitle)?;
        let (_, pcols) = panel_grid(self.panels.len());
        let (w, _) = self.size();
        let content_w = self.label_w() + pcols as u32 * self.panel_w();
        let left = ((w - BAR_W).saturating_sub(content_w) / 2) as i32;
        let x0 = left + self.label_w() as i32;
        for (k, panel) in self.panels.iter().enumerate() {
            let (pr, pc) = (k / pcols, k % pcols);
            let px = x0 + (pc as u32 * self.panel_w()) as i32;
            let py = (HEADER_H + pr as u32 * self.panel_h()) as i32;
            self.panel(root, panel, px, py, pc == 0)?;
        }
        self.colour_bar(
            root,
            (w - BAR_W + 20) as i32,
            HEADER_H as i32 + CAPTION_H as i32,
        )?;
        Ok(())
    }
}

impl HeatFigure {
    fn panel<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        panel: &HeatPanel,
        px: i32,
        py: i32,
        row_labels: bool,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let cw = self.cell_w() as i32;
        let ch = CELL_H as i32;
        let grid_w = cw * self.cols.len() as i32;
        let gy = py + CAPTION_H as i32;
        root.draw(&Text::new(
            panel.caption.clone(),
            (px + grid_w / 2, py + 4),
            anchored(bold_style(CAPTION_SIZE), HPos::Center, VPos::Top),
        ))?;
        for (r, row) in panel.cells.iter().enumerate() {
            let y = gy + r as i32 * ch;
            if row_labels {
                root.draw(&Text::new(
                    self.rows[r].clone(),
                    (px - 8, y + ch / 2),
                    anchored(text_style(TICK_SIZE), HPos::Right, VPos::Center),
                ))?;
            }
            for (c, cell) in row.iter().enumerate() {
                let x = px + c as i32 * cw;
                let rect = [(x, y), (x + cw, y + ch)];
                match cell {
                    Some(cell) => {
                        let t = cell.rate();
                        root.draw(&Rectangle::new(rect, viridis(t).filled()))?;
                        let ink = ink_on_viridis(t);
                        let (rate, ci) = cell.lines();
                        root.draw(&Text::new(
                            rate,
                            (x + cw / 2, y + 13),
                            anchored(bold_style(CELL_TEXT).color(ink), HPos::Center, VPos::Center),
                        ))?;
                        root.draw(&Text::new(
                            ci,
                            (x + cw / 2, y + 31),
                            anchored(
                                text_style(CELL_CI_TEXT).color(ink),
                                HPos::Center,
                                VPos::Center,
                            ),
                        ))?;
                    }
                    None => {
                        root.draw(&Rectangle::new(rect, RGBColor(0xdd, 0xdd, 0xdd).filled()))?;
                        root.draw(&Text::new(
                            "n/a",
                            (x + cw / 2, y + ch / 2),
                            anchored(text_style(CELL_CI_TEXT), HPos::Center, VPos::Center),
                        ))?;
                    }
                }
                root.draw(&Rectangle::new(rect, WHITE.stroke_width(1)))?;
            }
        }
        let below = gy + ch * self.rows.len() as i32;
        for (c, label) in self.cols.iter().enumerate() {
            root.draw(&Text::new(
                label.clone(),
                (px + c as i32 * cw + cw / 2, below + 6),
                anchored(text_style(TICK_SIZE), HPos::Center, VPos::Top),
            ))?;
        }
        root.draw(&Text::new(
            self.col_desc.clone(),
            (px + grid_w / 2, below + 28),
            anchored(text_style(AXIS_DESC_SIZE), HPos::Center, VPos::Top),
        ))?;
        Ok(())
    }

    fn colour_bar<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        x: i32,
        y: i32,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let bar_h = (self.rows.len() as i32 * CELL_H as i32).clamp(120, 260);
        let top = y + 40;
        let bw = 22;
        root.draw(&Text::new(
            "success",
            (x + bw / 2, y),
            anchored(text_style(TICK_SIZE), HPos::Center, VPos::Top),
        ))?;
        root.draw(&Text::new(
            "rate",
            (x + bw / 2, y + 18),
            anchored(text_style(TICK_SIZE), HPos::Center, VPos::Top),
        ))?;
        let steps = 64;
        for s in 0..steps {
            let t0 = s as f64 / steps as f64;
            let y0 = top + bar_h - (bar_h as f64 * (s + 1) as f64 / steps as f64).round() as i32;
            let y1 = top + bar_h - (bar_h as f64 * s as f64 / steps as f64).round() as i32;
            root.draw(&Rectangle::new(
                [(x, y0), (x + bw, y1)],
                viridis(t0 + 0.5 / steps as f64).filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(x, top), (x + bw, top + bar_h)],
            BLACK.stroke_width(1),
        ))?;
        for k in 0..=4 {
            let ty = top + bar_h - bar_h * k / 4;
            root.draw(&PathElement::new(
                vec![(x + bw, ty), (x + bw + 5, ty)],
                BLACK,
            ))?;
            root.draw(&Text::new(
                format!("{}%", k * 25),
                (x + bw + 8, ty),
                anchored(text_style(TICK_SIZE), HPos::Left, VPos::Center),
            ))?;
        }
        Ok(())
    }
}
