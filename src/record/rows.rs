//! The rows of `trials.csv`, `curves.csv` and `timings.csv`, and how numbers are written.
//!
//! Every column holds one kind of value in one unit, named by the header; a missing value is
//! an empty cell; numbers are plain decimals (or `1.5e-7` style for the very small and very
//! large) so spreadsheets read them as numbers. `results/README.md` documents every column.

use super::numbers;
use crate::error::{Error, Result};
use crate::plan::{Plan, Trial};
use crate::train::{Member, Metrics, Outcome};

pub const TRIAL_HEADER: &[&str] = &[
    "trial_id",
    "dataset",
    "depth",
    "width",
    "activation",
    "initializer",
    "gain",
    "optimizer",
    "lr",
    "replicate",
    "seed",
    "status",
    "epochs_to_target",
    "diverged_at_epoch",
    "epochs_run",
    "final_train_loss",
    "final_train_acc",
    "final_test_loss",
    "final_test_acc",
    "best_train_loss",
    "best_train_acc",
    "best_test_loss",
    "best_test_acc",
    "init_loss",
    "init_grad_norm_first",
    "init_grad_norm_last",
    "init_act_std_first",
    "init_act_std_last",
    "init_saturated_frac",
    "init_dead_frac",
    "init_symmetric",
];

pub const CURVE_HEADER: &[&str] = &[
    "trial_id",
    "epoch",
    "train_loss",
    "train_acc",
    "test_loss",
    "test_acc",
];

pub const TIMING_HEADER: &[&str] = &["trial_id", "chunk", "chunk_trials", "chunk_seconds"];

pub const WEIGHT_HEADER: &[&str] = &[
    "trial_id",
    "layer",
    "fan_in",
    "fan_out",
    "mean",
    "std",
    "max_abs",
    "frobenius",
    "spectral",
];

pub const VECTOR_HEADER: &[&str] = &["trial_id", "index", "value"];

pub const LAYER_HEADER: &[&str] = &[
    "trial_id",
    "epoch",
    "layer",
    "act_mean",
    "act_std",
    "saturated_frac",
];

/// Rows formatted as CSV in memory, quoted as the `csv` crate quotes. Each field is built in
/// one reused buffer and handed over as bytes, so a row allocates nothing.
pub struct Table {
    w: csv::Writer<Vec<u8>>,
    cell: Vec<u8>,
    /// The first error, returned by [`Table::end`] (fields go to memory, which cannot fail,
    /// but the csv writer's API says it may).
    error: Option<csv::Error>,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            w: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new()),
            cell: Vec::with_capacity(64),
            error: None,
        }
    }
}

impl Table {
    /// Writes one field built by `f`.
    fn field(&mut self, f: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        self.cell.clear();
        f(&mut self.cell);
        if let Err(e) = self.w.write_field(&self.cell) {
            self.error.get_or_insert(e);
        }
        self
    }

    pub fn text(&mut self, s: &str) -> &mut Self {
        self.field(|c| c.extend_from_slice(s.as_bytes()))
    }

    pub fn int(&mut self, v: impl itoa::Integer) -> &mut Self {
        self.field(|c| numbers::int(c, v))
    }

    /// An integer, or an empty cell.
    pub fn opt_int(&mut self, v: Option<u32>) -> &mut Self {
        self.field(|c| {
            if let Some(v) = v {
                numbers::int(c, v)
            }
        })
    }

    /// See [`loss`].
    pub fn loss(&mut self, x: f64) -> &mut Self {
        self.field(|c| numbers::loss(c, x))
    }

    pub fn opt_loss(&mut self, x: Option<f64>) -> &mut Self {
        self.field(|c| x.into_iter().for_each(|x| numbers::loss(c, x)))
    }

    /// See [`real`].
    pub fn real(&mut self, x: f64) -> &mut Self {
        self.field(|c| numbers::real(c, x))
    }

    pub fn opt_real(&mut self, x: Option<f64>) -> &mut Self {
        self.field(|c| x.into_iter().for_each(|x| numbers::real(c, x)))
    }

    /// The trial id as [`trial_id`] writes it.
    pub fn id(&mut self, t: &Trial) -> &mut Self {
        self.field(|c| {
            c.push(b't');
            c.extend(
                (0..16)
                    .rev()
                    .map(|k| b"0123456789abcdef"[(t.id >> (4 * k)) as usize & 15]),
            );
        })
    }

    /// Ends the row.
    pub fn end(&mut self) -> Result<()> {
        if let Err(e) = self.w.write_record(None::<&[u8]>) {
            self.error.get_or_insert(e);
        }
        match self.error.take() {
            Some(e) => Err(formatting(e)),
            None => Ok(()),
        }
    }

    /// A whole row of text fields.
    pub fn row<I: AsRef<str>>(&mut self, fields: impl IntoIterator<Item = I>) -> Result<()> {
        for f in fields {
            self.text(f.as_ref());
        }
        self.end()
    }

    /// The formatted rows, without the spare capacity of a grown buffer (chunks' rows wait
    /// for the writer in memory).
    pub fn bytes(self) -> Result<Vec<u8>> {
        let mut bytes = self
            .w
            .into_inner()
            .map_err(|e| formatting(e.into_error().into()))?;
        bytes.shrink_to_fit();
        Ok(bytes)
    }
}

fn formatting(e: csv::Error) -> Error {
    Error::Other(format!("formatting a row: {e}"))
}

/// Labels of a plan's settings, made once per chunk rather than once per row.
pub struct Labels {
    datasets: Vec<String>,
    activations: Vec<String>,
    initializers: Vec<String>,
    optimizers: Vec<String>,
}

impl Labels {
    pub fn of(plan: &Plan) -> Labels {
        let spec = &plan.spec;
        Labels {
            datasets: spec.datasets.iter().map(|d| d.label()).collect(),
            activations: spec.activations.iter().map(|a| a.label()).collect(),
            initializers: spec.initializers.iter().map(|i| i.label()).collect(),
            optimizers: spec.optimizers.iter().map(|o| o.label()).collect(),
        }
    }
}

/// One row per hidden layer at each recorded epoch (none unless the spec records layers).
pub fn layer_rows(out: &mut Table, t: &Trial, o: &Outcome) -> Result<()> {
    for p in &o.layers {
        out.id(t)
            .int(p.epoch)
            .int(p.layer)
            .loss(p.act_mean)
            .loss(p.act_std)
            .opt_real(p.saturated_frac)
            .end()?;
    }
    Ok(())
}

/// One row per weight layer of the trial's initial network.
pub fn weight_rows(out: &mut Table, t: &Trial, m: &Member, dims: &[usize]) -> Result<()> {
    for l in 0..dims.len() - 1 {
        let f = m.layer_features(l, dims[l], dims[l + 1]);
        out.id(t)
            .int(l)
            .int(dims[l])
            .int(dims[l + 1])
            .loss(f.mean)
            .loss(f.std)
            .loss(f.max_abs)
            .loss(f.frobenius)
            .loss(f.spectral)
            .end()?;
    }
    Ok(())
}

/// One row per parameter of the initial network (as trained, in f32), when it has at most
/// `max` parameters.
pub fn vector_rows(out: &mut Table, t: &Trial, m: &Member, max: usize) -> Result<()> {
    let flat = m.flat();
    if flat.len() > max {
        return Ok(());
    }
    for (i, v) in flat.iter().enumerate() {
        out.id(t).int(i).loss(*v).end()?;
    }
    Ok(())
}

/// The trial id as written: `t` and 16 hex digits, so no spreadsheet mistakes it for a number.
pub fn trial_id(t: &Trial) -> String {
    format!("t{}", t.id_hex())
}

pub fn trial_row(
    out: &mut Table,
    plan: &Plan,
    labels: &Labels,
    t: &Trial,
    o: &Outcome,
) -> Result<()> {
    let opt = &plan.spec.optimizers[t.optimizer];
    let last = o.last.as_ref();
    let d = &o.init;
    out.id(t)
        .text(&labels.datasets[t.dataset])
        .int(t.depth)
        .int(t.width)
        .text(&labels.activations[t.activation])
        .text(&labels.initializers[t.initializer])
        .real(t.gain)
        .text(&labels.optimizers[t.optimizer])
        .real(opt.lr())
        .int(t.replicate)
        .int(t.seed)
        .text(o.status.as_str())
        .opt_int(o.epochs_to_target)
        .opt_int(o.diverged_at)
        .int(o.epochs_run)
        .opt_loss(last.map(|m| m.train_loss))
        .opt_real(last.map(|m| m.train_acc))
        .opt_loss(last.and_then(|m| m.test_loss))
        .opt_real(last.and_then(|m| m.test_acc))
        .loss(o.best.train_loss)
        .real(o.best.train_acc)
        .opt_loss(o.best.test_loss)
        .opt_real(o.best.test_acc)
        .loss(d.loss)
        .loss(d.grad_norm_first)
        .loss(d.grad_norm_last)
        .loss(d.act_std_first)
        .loss(d.act_std_last)
        .opt_real(d.saturated_frac)
        .opt_real(d.dead_frac)
        .text(if d.symmetric { "true" } else { "false" })
        .end()
}

pub fn curve_rows(out: &mut Table, t: &Trial, o: &Outcome) -> Result<()> {
    for c in &o.curve {
        let m: &Metrics = &c.metrics;
        out.id(t)
            .int(c.epoch)
            .loss(m.train_loss)
            .real(m.train_acc)
            .opt_loss(m.test_loss)
            .opt_real(m.test_acc)
            .end()?;
    }
    Ok(())
}

/// See [`numbers::loss`].
pub fn loss(x: f64) -> String {
    let mut out = Vec::new();
    numbers::loss(&mut out, x);
    String::from_utf8(out).expect("digits are ASCII")
}

/// See [`numbers::real`].
pub fn real(x: f64) -> String {
    let mut out = Vec::new();
    numbers::real(&mut out, x);
    String::from_utf8(out).expect("digits are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_and_stay_plain() {
        assert_eq!(loss(0.1f32 as f64), "0.1");
        assert_eq!(loss(1.0), "1");
        assert_eq!(loss(0.0), "0");
        assert_eq!(loss(1.5e-7), "1.5e-7");
        assert_eq!(loss(f64::NAN), "");
        assert_eq!(loss(f64::INFINITY), "");
        assert_eq!(real(0.75), "0.75");
        assert_eq!(real(2.0 / 3.0), "0.6666666666666666");
        assert_eq!(real(3e20), "3e20");
        for s in [loss(1.5e-7), loss(0.1234567), real(3e20)] {
            assert!(s.parse::<f64>().is_ok(), "{s}");
        }
    }
}
