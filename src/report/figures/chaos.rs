//! The edge-of-chaos figure: measured success rate over σ_w² (columns) × depth (rows, deepest
//! on top), with mean-field theory drawn over it: the critical σ_w² where χ₁ = 1 (a vertical
//! line) and the predicted trainable depth 6 ξ_c against σ_w² (a curve), as Schoenholz et al.
//! (2017) draw it over their trainability heatmaps: trainable networks lie under it.
//!
//! Theory values fall between grid points, so positions interpolate linearly between the
//! neighbouring columns (σ_w²) and rows (depth); a curve beyond the deepest row is clipped at
//! the top edge.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::heatmap::HeatCell;
use super::{
    anchored, bold_style, header, ink_on_viridis, legend, legend_height, text_style, viridis,
    DrawResult, Figure, Mark, AXIS_DESC_SIZE, CAPTION_SIZE, HEADER_H, TICK_SIZE,
};

#[derive(Clone, Debug, PartialEq)]
pub struct ChaosPanel {
    pub caption: String,
    /// cells[row][column], rows by ascending depth.
    pub cells: Vec<Vec<Option<HeatCell>>>,
    /// σ_w² where χ₁ = 1, when theory finds one.
    pub critical: Option<f64>,
    /// (σ_w², 6 ξ_c) along the σ_w² range, finite values only.
    pub trainable_depth: Vec<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChaosFigure {
    pub title: String,
    pub subtitle: String,
    /// Column values, ascending.
    pub sigma_w2: Vec<f64>,
    /// Row values, ascending.
    pub depths: Vec<f64>,
    pub panels: Vec<ChaosPanel>,
}

const CELL_W: u32 = 84;
const CELL_H: u32 = 46;
const LABEL_W: u32 = 70;
const CAPTION_H: u32 = 30;
const BELOW_H: u32 = 58;
const GAP: u32 = 30;
const CRITICAL: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const CURVE: RGBColor = RGBColor(0xff, 0x7f, 0x0e);

/// Fractional index of `v` among ascending `grid` values (linear between neighbours, linear
/// extrapolation beyond the ends).
pub fn position(grid: &[f64], v: f64) -> f64 {
    match grid.len() {
        0 => 0.0,
        1 => 0.0,
        n => {
            let k = grid.partition_point(|&g| g <= v).clamp(1, n - 1);
            let (a, b) = (grid[k - 1], grid[k]);
            (k - 1) as f64 + (v - a) / (b - a)
        }
    }
}

impl ChaosFigure {
    fn legend_entries(&self) -> Vec<(String, RGBColor)> {
        vec![
            ("critical σ_w² (χ₁ = 1)".to_string(), CRITICAL),
            ("predicted trainable depth 6 ξ_c".to_string(), CURVE),
        ]
    }

    fn panel_w(&self) -> u32 {
        LABEL_W + self.sigma_w2.len() as u32 * CELL_W + GAP
    }

    fn panel_h(&self) -> u32 {
        CAPTION_H + self.depths.len() as u32 * CELL_H + BELOW_H
    }
}

impl Figure for ChaosFigure {
    fn size(&self) -> (u32, u32) {
        let cols = self.panels.len().clamp(1, 2) as u32;
        let rows = self.panels.len().div_ceil(2).max(1) as u32;
        let w = (10 + cols * self.panel_w()).max(700);
        let h = HEADER_H + rows * self.panel_h() + legend_height(&self.legend_entries(), w) + 10;
        (w, h)
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        header(root, &self.title, &self.subtitle)?;
        let cols = self.panels.len().clamp(1, 2);
        for (k, panel) in self.panels.iter().enumerate() {
            let px = 10 + LABEL_W as i32 + ((k % cols) as u32 * self.panel_w()) as i32;
            let py = (HEADER_H + (k / cols) as u32 * self.panel_h()) as i32;
            self.panel(root, panel, px, py)?;
        }
        let (w, h) = self.size();
        let lh = legend_height(&self.legend_entries(), w);
        let area = root.clone().shrink((0, h - lh - 10), (w, lh));
        legend(&area, &self.legend_entries(), Mark::Line)?;
        Ok(())
    }
}

impl ChaosFigure {
    fn panel<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        panel: &ChaosPanel,
        px: i32,
        py: i32,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (cw, ch) = (CELL_W as i32, CELL_H as i32);
        let (nc, nr) = (self.sigma_w2.len() as i32, self.depths.len() as i32);
        let gy = py + CAPTION_H as i32;
        let grid_w = cw * nc;
        let grid_h = ch * nr;
        root.draw(&Text::new(
            panel.caption.clone(),
            (px + grid_w / 2, py + 4),
            anchored(bold_style(CAPTION_SIZE), HPos::Center, VPos::Top),
        ))?;
        for (r, row) in panel.cells.iter().enumerate() {
            // Deepest on top.
            let y = gy + (nr - 1 - r as i32) * ch;
            root.draw(&Text::new(
                super::format_number(self.depths[r]),
                (px - 8, y + ch / 2),
                anchored(text_style(TICK_SIZE), HPos::Right, VPos::Center),
            ))?;
            for (c, cell) in row.iter().enumerate() {
                let x = px + c as i32 * cw;
                let rect = [(x, y), (x + cw, y + ch)];
                match cell {
                    Some(cell) => {
                        let t = cell.rate();
                        root.draw(&Rectangle::new(rect, viridis(t).filled()))?;
                        let (rate, ci) = cell.lines();
                        let ink = ink_on_viridis(t);
                        root.draw(&Text::new(
                            rate,
                            (x + cw / 2, y + 14),
                            anchored(bold_style(15.0).color(ink), HPos::Center, VPos::Center),
                        ))?;
                        root.draw(&Text::new(
                            ci,
                            (x + cw / 2, y + 32),
                            anchored(text_style(13.0).color(ink), HPos::Center, VPos::Center),
                        ))?;
                    }
                    None => {
                        root.draw(&Rectangle::new(rect, RGBColor(0xdd, 0xdd, 0xdd).filled()))?;
                    }
                }
                root.draw(&Rectangle::new(rect, WHITE.stroke_width(1)))?;
            }
        }
        root.draw(&Text::new(
            "depth",
            (px - LABEL_W as i32 + 4, gy - 4),
            anchored(text_style(AXIS_DESC_SIZE), HPos::Left, VPos::Bottom),
        ))?;
        let below = gy + grid_h;
        for (c, v) in self.sigma_w2.iter().enumerate() {
            root.draw(&Text::new(
                super::format_number(*v),
                (px + c as i32 * cw + cw / 2, below + 6),
                anchored(text_style(TICK_SIZE), HPos::Center, VPos::Top),
            ))?;
        }
        root.draw(&Text::new(
            "σ_w² (weights N(0, σ_w²/fan_in))",
            (px + grid_w / 2, below + 28),
            anchored(text_style(AXIS_DESC_SIZE), HPos::Center, VPos::Top),
        ))?;

        // Theory, in pixels: column k's centre is px + (k + ½)·cw; row k's centre is
        // gy + grid_h − (k + ½)·ch.
        let x_of = |s: f64| px as f64 + (position(&self.sigma_w2, s) + 0.5) * cw as f64;
        let y_of = |d: f64| {
            let y = gy as f64 + grid_h as f64 - (position(&self.depths, d) + 0.5) * ch as f64;
            y.clamp(gy as f64, (gy + grid_h) as f64)
        };
        let inside = |x: f64| x >= px as f64 && x <= (px + grid_w) as f64;
        if let Some(s) = panel.critical {
            let x = x_of(s);
            if inside(x) {
                let x = x.round() as i32;
                root.draw(&PathElement::new(
                    vec![(x, gy), (x, gy + grid_h)],
                    CRITICAL.stroke_width(3),
                ))?;
            }
        }
        let points: Vec<(i32, i32)> = panel
            .trainable_depth
            .iter()
            .map(|&(s, d)| (x_of(s), y_of(d)))
            .filter(|&(x, _)| inside(x))
            .map(|(x, y)| (x.round() as i32, y.round() as i32))
            .collect();
        if points.len() > 1 {
            root.draw(&PathElement::new(points, CURVE.stroke_width(3)))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::position;

    #[test]
    fn positions_interpolate_between_grid_values() {
        let g = [0.5, 1.0, 2.0, 4.0];
        assert_eq!(position(&g, 0.5), 0.0);
        assert_eq!(position(&g, 1.5), 1.5);
        assert_eq!(position(&g, 3.0), 2.5);
        assert_eq!(position(&g, 4.0), 3.0);
        assert_eq!(position(&g, 8.0), 5.0);
        assert_eq!(position(&g, 0.25), -0.5);
    }
}
