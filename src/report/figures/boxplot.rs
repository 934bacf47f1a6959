//! Box plots of final accuracy per initializer, drawn horizontally so that long initializer
//! labels read on the y axis: median, quartiles (type 7), whiskers to the furthest point within
//! 1.5 IQR of the box, and the points beyond as outliers.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::survival::caption;
use super::{
    bold_style, format_value, grid, grid_areas, header, max_width, series_color, text_style,
    DrawResult, Figure, AXIS_DESC_SIZE, CAPTION_SIZE, HEADER_H, TICK_SIZE,
};
use crate::analyze::grid::Grid;
use crate::report::layout::Plan;
use crate::stats::BoxStats;

#[derive(Clone, Debug, PartialEq)]
pub struct BoxPanel {
    pub caption: String,
    /// One per label, None where the initializer has no accuracy in this cell.
    pub boxes: Vec<Option<BoxStats>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BoxFigure {
    pub title: String,
    pub subtitle: String,
    pub x_desc: String,
    pub labels: Vec<String>,
    pub colors: Vec<RGBColor>,
    pub panels: Vec<BoxPanel>,
}

const ROW_H: u32 = 32;
const PANEL_W: u32 = 290;

impl BoxFigure {
    fn label_w(&self) -> u32 {
        max_width(&self.labels, TICK_SIZE) + 30
    }

    fn panel_h(&self) -> u32 {
        (self.labels.len() as u32 * ROW_H + 120).max(320)
    }
}

pub fn build(grid: &Grid, plan: &Plan, constants: &str) -> BoxFigure {
    let mut uses_test = false;
    let mut uses_train = false;
    let panels = plan
        .panels
        .iter()
        .map(|values| {
            let cell = grid.cells_where(values).into_iter().next();
            let boxes = plan
                .inits
                .iter()
                .map(|&i| {
                    let s = cell?.get(&grid.initializers[i])?;
                    let b = s.acc_box.clone()?;
                    if s.acc_is_test {
                        uses_test = true;
                    } else {
                        uses_train = true;
                    }
                    Some(b)
                })
                .collect();
            BoxPanel {
                caption: caption(plan, values),
                boxes,
            }
        })
        .collect();
    let (what, x_desc) = if uses_train && !uses_test {
        (
            "Final training accuracy (no test split)",
            "final training accuracy (%)",
        )
    } else if uses_train {
        (
            "Final test accuracy (training accuracy where there is no test split)",
            "final test or training accuracy (%)",
        )
    } else {
        ("Final test accuracy", "final test accuracy (%)")
    };
    let mut title = what.to_string();
    if !plan.label.is_empty() {
        title = format!("{title}: {}", plan.label);
    }
    let mut subtitle = "box: quartiles, median; whiskers: 1.5 IQR; dots: outliers".to_string();
    if !constants.is_empty() {
        subtitle = format!("{constants} · {subtitle}");
    }
    BoxFigure {
        title,
        subtitle,
        x_desc: x_desc.into(),
        labels: plan
            .inits
            .iter()
            .map(|&i| grid.initializers[i].clone())
            .collect(),
        colors: plan.inits.iter().map(|&i| series_color(i)).collect(),
        panels,
    }
}

impl Figure for BoxFigure {
    fn size(&self) -> (u32, u32) {
        let (rows, cols) = grid(self.panels.len());
        let w = (cols as u32 * PANEL_W + self.label_w() + 40).max(900);
        let h =
            (HEADER_H + rows as u32 * self.panel_h()).max(if rows * cols == 1 { 600 } else { 0 });
        (w, h)
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let body = header(root, &self.title, &self.subtitle)?;
        let (rows, cols) = grid(self.panels.len());
        let label_w = self.label_w();
        let areas = grid_areas(&body, rows, cols, label_w);
        for (k, (area, panel)) in areas.iter().zip(&self.panels).enumerate() {
            self.panel(area, panel, k % cols == 0, label_w)?;
        }
        Ok(())
    }
}

impl BoxFigure {
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &BoxPanel,
        first_column: bool,
        label_w: u32,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let n = self.labels.len();
        let mut builder = ChartBuilder::on(area);
        builder
            .margin_top(6)
            .margin_right(26)
            .margin_left(if first_column { 4 } else { 18 })
            .x_label_area_size(52)
            .y_label_area_size(if first_column { label_w } else { 0 });
        if !panel.caption.is_empty() {
            builder.caption(&panel.caption, bold_style(CAPTION_SIZE));
        }
        let mut chart = builder.build_cartesian_2d(0.0..1.0, -0.5..(n as f64 - 0.5))?;
        let labels = &self.labels;
        // Row i (top to bottom) sits at y = n − 1 − i.
        let y_fmt = |v: &f64| {
            let k = v.round();
            if (v - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < n {
                labels[n - 1 - k as usize].clone()
            } else {
                String::new()
            }
        };
        let x_fmt = |v: &f64| format_value(*v, true);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .max_light_lines(0)
            .x_desc(self.x_desc.as_str())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_labels(6)
            .y_labels(n.max(1))
            .label_style(text_style(TICK_SIZE))
            .axis_desc_style(text_style(AXIS_DESC_SIZE))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .bold_line_style(RGBColor(0xd8, 0xd8, 0xd8))
            .draw()?;
        for (i, (b, color)) in panel.boxes.iter().zip(&self.colors).enumerate() {
            let y = (n - 1 - i) as f64;
            let Some(b) = b else {
                chart.draw_series(std::iter::once(Text::new(
                    "no data",
                    (0.02, y),
                    text_style(TICK_SIZE)
                        .color(&RGBColor(0x77, 0x77, 0x77))
                        .pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Left,
                            plotters::style::text_anchor::VPos::Center,
                        )),
                )))?;
                continue;
            };
            let half = 0.3;
            let stroke = color.stroke_width(2);
            chart.draw_series([
                PathElement::new(vec![(b.whisker_lo, y), (b.q1, y)], stroke),
                PathElement::new(vec![(b.q3, y), (b.whisker_hi, y)], stroke),
                PathElement::new(
                    vec![
                        (b.whisker_lo, y - half / 2.0),
                        (b.whisker_lo, y + half / 2.0),
                    ],
                    stroke,
                ),
                PathElement::new(
                    vec![
                        (b.whisker_hi, y - half / 2.0),
                        (b.whisker_hi, y + half / 2.0),
                    ],
                    stroke,
                ),
            ])?;
            chart.draw_series([
                Rectangle::new(
                    [(b.q1, y - half), (b.q3, y + half)],
                    color.mix(0.35).filled(),
                ),
                Rectangle::new([(b.q1, y - half), (b.q3, y + half)], stroke),
            ])?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(b.median, y - half), (b.median, y + half)],
                BLACK.stroke_width(3),
            )))?;
            chart.draw_series(
                b.outliers
                    .iter()
                    .map(|&x| Circle::new((x, y), 3, color.stroke_width(1))),
            )?;
        }
        Ok(())
    }
}
