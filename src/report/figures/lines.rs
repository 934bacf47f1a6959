//! Panels of line series sharing one legend: the survival-style and the loss-curve figures.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    bold_style, format_number, format_value, grid, grid_areas, header, legend, legend_height,
    split_legend, text_style, DrawResult, Figure, Mark, AXIS_DESC_SIZE, CAPTION_SIZE, HEADER_H,
    TICK_SIZE,
};

/// One axis: its range and whether it is logarithmic; `percent` shows 0–1 as 0–100%.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
    pub percent: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    pub caption: String,
    pub series: Vec<Series>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LineFigure {
    pub title: String,
    pub subtitle: String,
    pub x_desc: String,
    pub y_desc: String,
    pub x: Scale,
    pub y: Scale,
    pub panels: Vec<Panel>,
    pub legend: Vec<(String, RGBColor)>,
}

const PANEL_W: u32 = 330;
const PANEL_H: u32 = 360;

impl Figure for LineFigure {
    fn size(&self) -> (u32, u32) {
        let (rows, cols) = grid(self.panels.len());
        if rows * cols == 1 {
            return (900, 600);
        }
        let w = (cols as u32 * PANEL_W + 60).max(900);
        let legend = legend_height(&self.legend, w);
        (w, HEADER_H + rows as u32 * PANEL_H + legend)
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
        let areas = grid_areas(&plots, rows, cols, 0);
        for (area, panel) in areas.iter().zip(&self.panels) {
            let (xs, ys) = (self.x, self.y);
            let x_lin = xs.lo..xs.hi;
            let y_lin = ys.lo..ys.hi;
            match (xs.log, ys.log) {
                (false, false) => self.panel(area, panel, x_lin, y_lin)?,
                (true, false) => self.panel(area, panel, x_lin.log_scale(), y_lin)?,
                (false, true) => self.panel(area, panel, x_lin, y_lin.log_scale())?,
                (true, true) => self.panel(area, panel, x_lin.log_scale(), y_lin.log_scale())?,
            }
        }
        legend(&legend_area, &self.legend, Mark::Line)?;
        Ok(())
    }
}

impl LineFigure {
    fn panel<DB, X, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
        x: X,
        y: Y,
    ) -> DrawResult
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut builder = ChartBuilder::on(area);
        builder
            .margin_top(6)
            .margin_right(18)
            .margin_left(6)
            .x_label_area_size(52)
            .y_label_area_size(70);
        if !panel.caption.is_empty() {
            builder.caption(&panel.caption, bold_style(CAPTION_SIZE));
        }
        let mut chart = builder.build_cartesian_2d(x, y)?;
        let percent = self.y.percent;
        let y_fmt = move |v: &f64| format_value(*v, percent);
        let x_fmt = |v: &f64| format_number(*v);
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_labels(6)
            .y_labels(if self.y.log { 12 } else { 6 })
            // A log axis's light lines crowd into grey bands once a range spans decades.
            .x_max_light_lines(0)
            .y_max_light_lines(if self.y.log { 10 } else { 0 })
            .label_style(text_style(TICK_SIZE))
            .axis_desc_style(text_style(AXIS_DESC_SIZE))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .bold_line_style(RGBColor(0xd8, 0xd8, 0xd8))
            .draw()?;
        for series in &panel.series {
            chart.draw_series(LineSeries::new(
                series.points.iter().copied(),
                series.color.stroke_width(2),
            ))?;
        }
        Ok(())
    }
}
