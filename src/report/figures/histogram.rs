//! Histograms of the features that best separate converged from not-converged trials
//! (`separation.csv`), the two outcomes overlaid in each panel.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, bold_style, format_number, grid, grid_areas, header, legend, legend_height, measure,
    series_color, split_legend, text_style, DrawResult, Figure, Mark, AXIS_DESC_SIZE, TICK_SIZE,
};
use crate::analyze::regions::features::Samples;
use crate::record::schema::SeparationRow as Separation;

/// Equal-width bins over the pooled range of both outcomes.
pub const BINS: usize = 20;

/// Most features shown.
pub const TOP: usize = 4;

#[derive(Clone, Debug, PartialEq)]
pub struct HistPanel {
    /// "last_layer_std: AUC 0.700 (95% CI 0.662–0.739)".
    pub caption: String,
    /// The rule text of `separation.csv`.
    pub rule: String,
    /// Bin edges, BINS + 1 of them.
    pub edges: Vec<f64>,
    /// Trials per bin: converged, then not converged.
    pub counts: [Vec<u64>; 2],
}

#[derive(Clone, Debug, PartialEq)]
pub struct HistFigure {
    pub title: String,
    pub subtitle: String,
    pub panels: Vec<HistPanel>,
    pub legend: Vec<(String, RGBColor)>,
}

/// Converged in blue, not converged in orange (a pair colour-blind readers tell apart).
pub fn outcome_colors() -> [RGBColor; 2] {
    [series_color(0), series_color(1)]
}

/// Bin edges: `bins` equal widths from the smallest to the largest value (a unit-wide range
/// around a constant value).
pub fn edges(values: &[f64], bins: usize) -> Vec<f64> {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi > lo {
        (lo, hi)
    } else {
        let pad = (lo.abs() * 0.1).max(0.5);
        (lo - pad, hi + pad)
    };
    (0..=bins)
        .map(|i| lo + (hi - lo) * i as f64 / bins as f64)
        .collect()
}

/// Counts per bin; the last bin is closed on the right.
pub fn counts(values: &[f64], edges: &[f64]) -> Vec<u64> {
    let bins = edges.len() - 1;
    let (lo, hi) = (edges[0], edges[bins]);
    let mut out = vec![0; bins];
    for &v in values {
        if !(lo..=hi).contains(&v) {
            continue;
        }
        let i = (((v - lo) / (hi - lo)) * bins as f64).floor() as usize;
        out[i.min(bins - 1)] += 1;
    }
    out
}

/// AUC with its interval, for captions and text: "AUC 0.700 (95% CI 0.662–0.739)".
pub fn auc_text(s: &Separation) -> String {
    format!(
        "AUC {:.3} (95% CI {:.3}–{:.3})",
        s.auc, s.auc_ci_low, s.auc_ci_high
    )
}

/// One panel per feature, given with its values, in the order given.
pub fn build(features: &[(&Separation, Samples)]) -> HistFigure {
    let panels: Vec<HistPanel> = features
        .iter()
        .map(|(sep, samples)| {
            let pooled: Vec<f64> = samples
                .converged
                .iter()
                .chain(&samples.failed)
                .copied()
                .collect();
            let edges = edges(&pooled, BINS);
            HistPanel {
                caption: format!("{}: {}", sep.feature, auc_text(sep)),
                rule: sep.rule.clone(),
                counts: [
                    counts(&samples.converged, &edges),
                    counts(&samples.failed, &edges),
                ],
                edges,
            }
        })
        .collect();
    let (n_ok, n_bad) = features
        .first()
        .map_or((0, 0), |(_, s)| (s.converged.len(), s.failed.len()));
    let [ok, bad] = outcome_colors();
    HistFigure {
        title: "Features that best separate converged from not-converged trials".into(),
        subtitle: format!(
            "ranked as in separation.csv · {BINS} equal-width bins over the pooled range · \
             AUC = P(converged value > not-converged value)"
        ),
        panels,
        legend: vec![
            (format!("converged (n = {n_ok})"), ok),
            (format!("not converged or diverged (n = {n_bad})"), bad),
        ],
    }
}

const PANEL_W: u32 = 520;
const PANEL_H: u32 = 390;
const CAPTION_H: u32 = 50;

impl Figure for HistFigure {
    fn size(&self) -> (u32, u32) {
        let (rows, cols) = grid(self.panels.len());
        let w = (cols as u32 * PANEL_W + 40).max(900);
        (
            w,
            super::HEADER_H + rows as u32 * PANEL_H + legend_height(&self.legend, w),
        )
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let body = header(root, &self.title, &self.subtitle)?;
        let (plots, legend_area) = split_legend(&body, &self.legend);
        let (rows, cols) = grid(self.panels.len());
        for (area, panel) in grid_areas(&plots, rows, cols, 0).iter().zip(&self.panels) {
            self.panel(area, panel)?;
        }
        legend(&legend_area, &self.legend, Mark::Patch)?;
        Ok(())
    }
}

/// Text no wider than `width` pixels at `size`: the size shrunk (to at least 10) to fit.
fn fitted(text: &str, size: f64, width: u32) -> f64 {
    let fit = width as f64 / measure(text, size).max(1) as f64;
    (size * fit.min(1.0)).max(10.0)
}

impl HistFigure {
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &HistPanel,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (w, _) = area.dim_in_pixel();
        let cx = w as i32 / 2;
        let room = w.saturating_sub(24);
        area.draw(&Text::new(
            panel.caption.clone(),
            (cx, 6),
            anchored(
                bold_style(fitted(&panel.caption, 16.0, room)),
                HPos::Center,
                VPos::Top,
            ),
        ))?;
        area.draw(&Text::new(
            panel.rule.clone(),
            (cx, 28),
            anchored(
                text_style(fitted(&panel.rule, 15.0, room)).color(&RGBColor(0x33, 0x33, 0x33)),
                HPos::Center,
                VPos::Top,
            ),
        ))?;
        let (_, plot) = area.split_vertically(CAPTION_H);
        let bins = panel.edges.len() - 1;
        let (lo, hi) = (panel.edges[0], panel.edges[bins]);
        let top = panel
            .counts
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(4)
            .margin_bottom(14)
            .margin_right(22)
            .margin_left(6)
            .x_label_area_size(48)
            .y_label_area_size(62)
            .build_cartesian_2d(lo..hi, 0.0..top * 1.08)?;
        let x_fmt = |v: &f64| format_number(*v);
        let y_fmt = |v: &f64| format_number(*v);
        chart
            .configure_mesh()
            .x_desc("value at initialization")
            .y_desc("trials")
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_labels(6)
            .y_labels(6)
            .x_max_light_lines(0)
            .y_max_light_lines(0)
            .label_style(text_style(TICK_SIZE))
            .axis_desc_style(text_style(AXIS_DESC_SIZE))
            .bold_line_style(RGBColor(0xe4, 0xe4, 0xe4))
            .draw()?;
        for (counts, color) in panel.counts.iter().zip(outcome_colors()) {
            chart.draw_series(counts.iter().enumerate().filter(|(_, &n)| n > 0).map(
                |(i, &n)| {
                    Rectangle::new(
                        [(panel.edges[i], 0.0), (panel.edges[i + 1], n as f64)],
                        color.mix(0.4).filled(),
                    )
                },
            ))?;
        }
        // Outlines on top, so that each outcome's shape reads through the other's fill.
        for (counts, color) in panel.counts.iter().zip(outcome_colors()) {
            let mut outline = vec![(lo, 0.0)];
            for (i, &n) in counts.iter().enumerate() {
                outline.push((panel.edges[i], n as f64));
                outline.push((panel.edges[i + 1], n as f64));
            }
            outline.push((hi, 0.0));
            chart.draw_series(std::iter::once(PathElement::new(
                outline,
                color.stroke_width(2),
            )))?;
        }
        Ok(())
    }
}
