//! The learning rate as an axis: where the optimizer axis holds one rule at three or more
//! learning rates, the final training loss against the learning rate, one line per width and
//! initializer, a panel per combination of the other settings, and where each line is lowest.
//!
//! This is Tensor Programs V's learning-rate-transfer figure (Yang et al. 2022): whether the
//! best learning rate moves as the network widens. Each point is the median final training
//! loss of a cell's replicates, a diverged trial counting as +∞ (so a learning rate where half
//! the replicates diverge has no finite median). A line's best learning rate is the lowest
//! median (ties to the smaller rate), and its 95% interval, in octaves, comes from a seeded
//! percentile bootstrap that resamples each point's replicates; so does the interval of the
//! move of the best rate from a panel's narrowest to its widest network.

use std::collections::HashMap;

use super::grid::{describe, Axis};
use super::trials::CellTrials;
use crate::rng;
use crate::stats;

/// Fewest learning rates a rule needs before it counts as a sweep (as for numeric axes).
pub const MIN_RATES: usize = super::sweeps::MIN_VALUES;
/// Bootstrap resamples of each interval.
const RESAMPLES: usize = 1000;

/// The learning-rate sweeps of a folder, with the panels in plan order.
#[derive(Clone, Debug, PartialEq)]
pub struct LearningRates {
    pub panels: Vec<LrPanel>,
}

/// Every line that shares the settings but width and initializer.
#[derive(Clone, Debug, PartialEq)]
pub struct LrPanel {
    /// The optimizer with its learning rate left out, e.g. `sgd(lr=·)`.
    pub rule: String,
    /// The other settings that vary in the folder, as the report describes them.
    pub caption: String,
    pub lines: Vec<LrLine>,
    /// The best rate's move from the narrowest to the widest network of the panel's first
    /// initializer. None with one width, or where either line has no best rate.
    pub shift: Option<Shift>,
}

/// How far the best learning rate moves between two widths.
#[derive(Clone, Debug, PartialEq)]
pub struct Shift {
    pub from: u32,
    pub to: u32,
    /// log₂ of the ratio of the best rates.
    pub octaves: f64,
    /// Its 95% bootstrap interval.
    pub ci: Option<(f64, f64)>,
}

/// One width and initializer along the learning rate.
#[derive(Clone, Debug, PartialEq)]
pub struct LrLine {
    pub width: u32,
    pub initializer: String,
    /// Ascending in the learning rate.
    pub points: Vec<LrPoint>,
    /// The point of the lowest median loss.
    pub best: Option<usize>,
    /// 95% bootstrap interval of log₂ of the best learning rate.
    pub best_ci: Option<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LrPoint {
    pub lr: f64,
    pub n: usize,
    pub diverged: usize,
    /// Median final training loss, +∞ when at least half the trials diverged.
    pub median_loss: f64,
    /// Each trial's final training loss (+∞ for a diverged one), in plan order.
    losses: Vec<f64>,
}

/// The rule of an optimizer label with its learning rate left out: `sgd(lr=0.5)` →
/// `sgd(lr=·)`, `adam(lr=0.01,beta1=0.8)` → `adam(lr=·,beta1=0.8)`.
pub fn rule_of(label: &str) -> String {
    match label.split_once("(lr=") {
        Some((name, rest)) => {
            let tail = rest.find([',', ')']).map_or("", |i| &rest[i..]);
            format!("{name}(lr=·{tail}")
        }
        None => label.to_string(),
    }
}

/// The sweeps, if any rule of the folder has [`MIN_RATES`] learning rates or more.
pub fn analyze(cells: &[CellTrials], seed: u64) -> Option<LearningRates> {
    // Which settings vary (for the captions), and the rates of each rule.
    let first = cells.first()?;
    let mut rates: HashMap<String, Vec<u64>> = HashMap::new();
    for c in cells {
        let r = rates.entry(rule_of(&c.setting.optimizer)).or_default();
        if !r.contains(&c.lr.to_bits()) {
            r.push(c.lr.to_bits());
        }
    }
    let swept = |c: &CellTrials| rates[&rule_of(&c.setting.optimizer)].len() >= MIN_RATES;
    // The settings a panel holds fixed besides the rule (width and initializer are its lines),
    // named in its caption where they vary.
    let shown: Vec<Axis> = [
        Axis::Dataset,
        Axis::Depth,
        Axis::Activation,
        Axis::Gain,
        Axis::Parametrization,
    ]
    .into_iter()
    .filter(|a| {
        cells
            .iter()
            .any(|c| a.value(&c.setting) != a.value(&first.setting))
    })
    .collect();
    let swept_rules: Vec<String> = cells
        .iter()
        .filter(|c| swept(c))
        .map(|c| rule_of(&c.setting.optimizer))
        .collect();
    let multiple_rules = swept_rules.iter().any(|r| *r != swept_rules[0]);

    let mut panels: Vec<LrPanel> = Vec::new();
    let mut panel_of: HashMap<String, usize> = HashMap::new();
    for c in cells.iter().filter(|c| swept(c)) {
        let rule = rule_of(&c.setting.optimizer);
        let parts: Vec<(Axis, String)> = shown.iter().map(|&a| (a, a.value(&c.setting))).collect();
        let mut caption = describe(&parts);
        if multiple_rules {
            caption = match caption.is_empty() {
                true => rule.clone(),
                false => format!("{rule}, {caption}"),
            };
        }
        let key = format!("{rule}\n{caption}");
        let p = *panel_of.entry(key).or_insert_with(|| {
            panels.push(LrPanel {
                rule: rule.clone(),
                caption,
                lines: Vec::new(),
                shift: None,
            });
            panels.len() - 1
        });
        let panel = &mut panels[p];
        let line = match panel
            .lines
            .iter()
            .position(|l| l.width == c.setting.width && l.initializer == c.setting.initializer)
        {
            Some(i) => i,
            None => {
                panel.lines.push(LrLine {
                    width: c.setting.width,
                    initializer: c.setting.initializer.clone(),
                    points: Vec::new(),
                    best: None,
                    best_ci: None,
                });
                panel.lines.len() - 1
            }
        };
        let losses = c.final_train_loss.clone();
        panel.lines[line].points.push(LrPoint {
            lr: c.lr,
            n: c.n,
            diverged: c.diverged,
            median_loss: stats::median(&losses).unwrap_or(f64::INFINITY),
            losses,
        });
    }
    if panels.is_empty() {
        return None;
    }
    for (p, panel) in panels.iter_mut().enumerate() {
        // Initializers in the order they first appear, each one's widths ascending.
        let mut inits: Vec<String> = Vec::new();
        for l in &panel.lines {
            if !inits.contains(&l.initializer) {
                inits.push(l.initializer.clone());
            }
        }
        let rank = |l: &LrLine| inits.iter().position(|i| *i == l.initializer);
        panel
            .lines
            .sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.width.cmp(&b.width)));
        for (l, line) in panel.lines.iter_mut().enumerate() {
            line.points.sort_by(|a, b| a.lr.total_cmp(&b.lr));
            line.best = best(
                &line
                    .points
                    .iter()
                    .map(|q| q.median_loss)
                    .collect::<Vec<_>>(),
            );
            let stream = rng::derive(seed, (p as u64) << 20 | l as u64);
            line.best_ci = bootstrap(&[&line.points], stream, |b| b[0]);
        }
        panel.shift = shift(panel, rng::derive(seed, (p as u64) << 20 | 0xfffff));
    }
    Some(LearningRates { panels })
}

/// The first of the lowest values (ties to the smaller learning rate); None when none is
/// finite.
fn best(medians: &[f64]) -> Option<usize> {
    (0..medians.len())
        .filter(|&i| medians[i].is_finite())
        .fold(None, |b: Option<usize>, i| match b {
            Some(b) if medians[b] <= medians[i] => Some(b),
            _ => Some(i),
        })
}

fn log2_best(points: &[LrPoint], best: usize) -> f64 {
    points[best].lr.log2()
}

/// The narrowest and widest line of the panel's first initializer, and how many octaves the
/// best rate moves between them.
fn shift(panel: &LrPanel, seed: u64) -> Option<Shift> {
    let init = &panel.lines.first()?.initializer;
    let mine: Vec<&LrLine> = panel
        .lines
        .iter()
        .filter(|l| &l.initializer == init)
        .collect();
    let (narrow, wide) = (mine.first()?, mine.last()?);
    if narrow.width == wide.width {
        return None;
    }
    let octaves = log2_best(&wide.points, wide.best?) - log2_best(&narrow.points, narrow.best?);
    let ci = bootstrap(&[&narrow.points, &wide.points], seed, |b| b[1] - b[0]);
    Some(Shift {
        from: narrow.width,
        to: wide.width,
        octaves,
        ci,
    })
}

/// The 95% percentile interval of `stat` over resamples of every point's trials, `stat`
/// taking the log₂ best rate of each line; None when a resample has no best rate.
fn bootstrap(
    lines: &[&Vec<LrPoint>],
    seed: u64,
    stat: impl Fn(&[f64]) -> f64,
) -> Option<(f64, f64)> {
    let mut r = rng::stream(seed, 0);
    let mut values = Vec::with_capacity(RESAMPLES);
    let mut sample = Vec::new();
    for _ in 0..RESAMPLES {
        let mut bests = Vec::with_capacity(lines.len());
        for points in lines {
            let medians: Vec<f64> = points
                .iter()
                .map(|q| {
                    sample.clear();
                    sample.extend(
                        (0..q.losses.len()).map(|_| q.losses[rng::below(&mut r, q.losses.len())]),
                    );
                    stats::median(&sample).unwrap_or(f64::INFINITY)
                })
                .collect();
            bests.push(log2_best(points, best(&medians)?));
        }
        values.push(stat(&bests));
    }
    Some((
        stats::quantile(&values, 0.025)?,
        stats::quantile(&values, 0.975)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_is_the_label_without_its_rate() {
        assert_eq!(rule_of("sgd(lr=0.5)"), "sgd(lr=·)");
        assert_eq!(rule_of("adam(lr=0.01,beta1=0.8)"), "adam(lr=·,beta1=0.8)");
        assert_eq!(
            rule_of("momentum(lr=1e-3,momentum=0.9)"),
            "momentum(lr=·,momentum=0.9)"
        );
    }

    #[test]
    fn the_best_point_is_the_first_lowest_finite_median() {
        assert_eq!(best(&[0.5, 0.2, 0.2, f64::INFINITY]), Some(1));
        assert_eq!(best(&[f64::INFINITY, 0.3]), Some(1));
        assert_eq!(best(&[f64::INFINITY, f64::INFINITY]), None);
    }

    fn point(lr: f64, losses: &[f64]) -> LrPoint {
        LrPoint {
            lr,
            n: losses.len(),
            diverged: losses.iter().filter(|l| l.is_infinite()).count(),
            median_loss: stats::median(losses).unwrap(),
            losses: losses.to_vec(),
        }
    }

    #[test]
    fn the_interval_covers_the_best_rate_and_widens_with_noise() {
        // Replicates that agree on 2^-2 give a point interval; ones that split between 2^-2
        // and 2^-1 give one that spans both.
        let clean = vec![
            point(0.125, &[0.5, 0.5, 0.5]),
            point(0.25, &[0.1, 0.1, 0.1]),
            point(0.5, &[0.4, 0.4, 0.4]),
        ];
        assert_eq!(bootstrap(&[&clean], 7, |b| b[0]), Some((-2.0, -2.0)));
        let noisy = vec![
            point(0.125, &[0.5, 0.5, 0.5]),
            point(0.25, &[0.1, 0.3, 0.3]),
            point(0.5, &[0.2, 0.2, f64::INFINITY]),
        ];
        assert_eq!(bootstrap(&[&noisy], 7, |b| b[0]), Some((-2.0, -1.0)));
        // The move between two lines, resampled together.
        assert_eq!(
            bootstrap(&[&clean, &noisy], 7, |b| b[1] - b[0]),
            Some((0.0, 1.0))
        );
    }
}
