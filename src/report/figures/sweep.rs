//! Success rate and time to target against a numeric axis (gain, depth or width): one series
//! per initializer, every point with its 95% interval (Wilson for the rate, Brookmeyer–Crowley
//! for the Kaplan–Meier median of epochs to target).
//!
//! The heatmaps and survival panels answer "which initializer"; a sweep such as Kolen &
//! Pollack's (1990) range of initial weights asks "how does the outcome change along this
//! axis", which wants the axis on x.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    bold_style, format_number, format_value, grid_areas, header, legend, legend_height,
    series_color, split_legend, text_style, DrawResult, Figure, Mark, AXIS_DESC_SIZE, CAPTION_SIZE,
    TICK_SIZE,
};
use crate::analyze::grid::{Axis, Grid};
use crate::report::layout::SweepPlan;

/// A point with its interval; `hi = None` is an interval without an upper bound (drawn to the
/// top of the panel).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub color: RGBColor,
    pub points: Vec<Point>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SweepFigure {
    pub title: String,
    pub subtitle: String,
    pub x_desc: String,
    pub x: (f64, f64),
    pub x_log: bool,
    /// Success rate (0–1) per initializer.
    pub rate: Vec<Series>,
    /// Median epochs to target per initializer (only where at least half converged).
    pub epochs: Vec<Series>,
    /// The epoch budget: the top of the epochs panel.
    pub budget: f64,
    pub legend: Vec<(String, RGBColor)>,
}

/// A log axis suits values that are all positive and span a factor of ten or more.
pub fn use_log(xs: &[f64]) -> bool {
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    lo > 0.0 && hi / lo >= 10.0
}

pub fn build(grid: &Grid, plan: &SweepPlan, constants: &str) -> SweepFigure {
    let values = grid.values(plan.axis);
    let xs = &plan.xs;
    let x_log = use_log(xs);
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // A margin on each side so the end points' interval bars are not drawn on the frame.
    let x = if x_log {
        (lo / 1.25, hi * 1.25)
    } else {
        let pad = ((hi - lo) * 0.05).max(0.5);
        (lo - pad, hi + pad)
    };
    let mut rate = Vec::new();
    let mut epochs = Vec::new();
    for &i in &plan.inits {
        let init = &grid.initializers[i];
        let mut r = Vec::new();
        let mut e = Vec::new();
        for (v, &xv) in values.iter().zip(xs) {
            let mut at = plan.fixed.clone();
            at.push((plan.axis, v.clone()));
            let Some(stats) = grid.cells_where(&at).into_iter().find_map(|c| c.get(init)) else {
                continue;
            };
            let (clo, chi) = stats.ci.unwrap_or((0.0, 1.0));
            r.push(Point {
                x: xv,
                y: stats.rate(),
                lo: Some(clo),
                hi: Some(chi),
            });
            if let Some(m) = stats.median {
                if let Some(est) = m.estimate {
                    e.push(Point {
                        x: xv,
                        y: est.max(1.0),
                        lo: m.lower.map(|l| l.max(1.0)),
                        hi: m.upper,
                    });
                }
            }
        }
        let color = series_color(i);
        rate.push(Series { color, points: r });
        epochs.push(Series { color, points: e });
    }
    let name = plan.axis.name();
    let mut title = format!("Success rate and time to target vs {name}");
    if !plan.label.is_empty() {
        title = format!("{title}: {}", plan.label);
    }
    let mut subtitle = format!(
        "95% intervals: Wilson (rate), Brookmeyer–Crowley (median; censored at {} epochs)",
        grid.budget
    );
    if !constants.is_empty() {
        subtitle = format!("{constants} · {subtitle}");
    }
    SweepFigure {
        title,
        subtitle,
        x_desc: if x_log {
            format!("{name} (log scale)")
        } else {
            name.to_string()
        },
        x,
        x_log,
        rate,
        epochs,
        budget: grid.budget.max(1) as f64,
        legend: plan
            .inits
            .iter()
            .map(|&i| (grid.initializers[i].clone(), series_color(i)))
            .collect(),
    }
}

const PANEL_W: u32 = 520;
const PANEL_H: u32 = 440;

impl Figure for SweepFigure {
    fn size(&self) -> (u32, u32) {
        let w = 2 * PANEL_W + 40;
        (
            w,
            super::HEADER_H + PANEL_H + legend_height(&self.legend, w),
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
        let areas = grid_areas(&plots, 1, 2, 0);
        let (x0, x1) = self.x;
        let rate_y = 0.0..1.0;
        // Log axes get their grid lines at chosen points only: plotters' own light lines for
        // a log range crowd into grey bands near each power of ten. The x ticks are the
        // swept values themselves; the epoch ticks are 1, 2, 3, 5 per decade.
        let (floor, top) = (self.epochs_floor(), self.budget * 1.5);
        let ticks: Vec<f64> = (0..7)
            .flat_map(|k| [1.0, 2.0, 3.0, 5.0].map(|m| m * 10f64.powi(k)))
            .filter(|&t| t >= floor && t <= top)
            .collect();
        let epoch_y = (floor..top).log_scale().with_key_points(ticks);
        if self.x_log {
            let mut swept: Vec<f64> = self
                .rate
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.x))
                .collect();
            swept.sort_by(f64::total_cmp);
            swept.dedup();
            let x = || (x0..x1).log_scale().with_key_points(swept.clone());
            self.panel(&areas[0], "success rate", &self.rate, x(), rate_y, true)?;
            self.panel(
                &areas[1],
                "median epochs to target",
                &self.epochs,
                x(),
                epoch_y,
                false,
            )?;
        } else {
            self.panel(&areas[0], "success rate", &self.rate, x0..x1, rate_y, true)?;
            self.panel(
                &areas[1],
                "median epochs to target",
                &self.epochs,
                x0..x1,
                epoch_y,
                false,
            )?;
        }
        legend(&legend_area, &self.legend, Mark::Line)?;
        Ok(())
    }
}

impl SweepFigure {
    /// The power of ten at or below every median and lower bound (at least 1).
    fn epochs_floor(&self) -> f64 {
        let min = self
            .epochs
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.lo.unwrap_or(p.y).min(p.y)))
            .fold(f64::INFINITY, f64::min);
        if min.is_finite() && min >= 1.0 {
            10f64.powf(min.log10().floor())
        } else {
            1.0
        }
    }

    fn panel<DB, X, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        caption: &str,
        series: &[Series],
        x: X,
        y: Y,
        percent: bool,
    ) -> DrawResult
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut chart = ChartBuilder::on(area)
            .caption(caption, bold_style(CAPTION_SIZE))
            .margin_top(6)
            .margin_right(18)
            .margin_left(6)
            .x_label_area_size(52)
            .y_label_area_size(70)
            .build_cartesian_2d(x, y)?;
        let y_fmt = move |v: &f64| format_value(*v, percent);
        let x_fmt = |v: &f64| format_number(*v);
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(if percent {
                "trials converged (%)"
            } else {
                "epochs (log scale)"
            })
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_labels(if self.x_log { 10 } else { 8 })
            .y_labels(if percent { 6 } else { 12 })
            .x_max_light_lines(if self.x_log { 10 } else { 0 })
            .y_max_light_lines(if percent { 0 } else { 10 })
            .label_style(text_style(TICK_SIZE))
            .axis_desc_style(text_style(AXIS_DESC_SIZE))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .bold_line_style(RGBColor(0xd8, 0xd8, 0xd8))
            .draw()?;
        let top = if percent { 1.0 } else { self.budget * 1.5 };
        for s in series {
            let style = s.color.stroke_width(2);
            chart.draw_series(LineSeries::new(s.points.iter().map(|p| (p.x, p.y)), style))?;
            for p in &s.points {
                let (lo, hi) = (p.lo.unwrap_or(p.y), p.hi.unwrap_or(top));
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(p.x, lo), (p.x, hi)],
                    s.color.stroke_width(1),
                )))?;
                chart.draw_series(std::iter::once(Circle::new(
                    (p.x, p.y),
                    4,
                    s.color.filled(),
                )))?;
            }
        }
        if !percent {
            // The budget: no median can lie above it.
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(self.x.0, self.budget), (self.x.1, self.budget)],
                RGBColor(0x99, 0x99, 0x99).stroke_width(1),
            )))?;
        }
        Ok(())
    }
}

/// Name of the swept axis in file names: "sweep-gain".
pub fn stem(axis: Axis) -> String {
    format!("sweep-{}", axis.name())
}
