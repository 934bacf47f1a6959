//! A finished trial as the rows of `trials.csv`, `curves.csv`, `weights.csv`,
//! `init_vectors.csv` and `layers.csv` ([`super::schema`] defines each row).

use serde::Serialize;

use super::schema::{finite, CurveRow, JacobianRow, LayerRow, TrialRow, VectorRow, WeightRow};
use crate::error::{Error, Result};
use crate::plan::{Plan, Trial};
use crate::train::jacobian::Spectrum;
use crate::train::{Member, Outcome};

/// Rows formatted as CSV in memory, with no header: chunks' rows are formatted on the worker
/// that trained them and handed to the one writer as bytes.
pub struct Table {
    w: csv::Writer<Vec<u8>>,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            w: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new()),
        }
    }
}

impl Table {
    /// One row.
    pub fn row(&mut self, row: &impl Serialize) -> Result<()> {
        self.w.serialize(row).map_err(formatting)
    }

    /// A header: the column names.
    pub fn header(&mut self, columns: &[&str]) -> Result<()> {
        self.w.write_record(columns).map_err(formatting)
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
        out.row(&LayerRow {
            trial_id: t.id,
            epoch: p.epoch,
            layer: p.layer,
            act_mean: finite(p.act_mean),
            act_std: finite(p.act_std),
            saturated_frac: p.saturated_frac,
        })?;
    }
    Ok(())
}

/// The trial's Jacobian spectrum at initialization.
pub fn jacobian_row(out: &mut Table, t: &Trial, s: &Spectrum) -> Result<()> {
    out.row(&JacobianRow {
        trial_id: t.id,
        layers: s.layers,
        points: s.points,
        sv2_mean: finite(s.sv2_mean),
        sv2_var: finite(s.sv2_var),
        sv_max: finite(s.sv_max),
        q_first: finite(s.q_first),
    })
}

/// One row per weight layer of the trial's initial network.
pub fn weight_rows(out: &mut Table, t: &Trial, m: &Member, dims: &[usize]) -> Result<()> {
    for l in 0..dims.len() - 1 {
        let f = m.layer_features(l, dims[l], dims[l + 1]);
        out.row(&WeightRow {
            trial_id: t.id,
            layer: l,
            fan_in: dims[l],
            fan_out: dims[l + 1],
            mean: f.mean,
            std: f.std,
            max_abs: f.max_abs,
            frobenius: f.frobenius,
            spectral: f.spectral,
        })?;
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
    for (index, &value) in flat.iter().enumerate() {
        out.row(&VectorRow {
            trial_id: t.id,
            index,
            value,
        })?;
    }
    Ok(())
}

pub fn trial_row(
    out: &mut Table,
    plan: &Plan,
    labels: &Labels,
    t: &Trial,
    o: &Outcome,
) -> Result<()> {
    let last = o.last.as_ref();
    let d = &o.init;
    out.row(&TrialRow {
        trial_id: t.id,
        dataset: labels.datasets[t.dataset].as_str(),
        depth: t.depth,
        width: t.width,
        activation: labels.activations[t.activation].as_str(),
        initializer: labels.initializers[t.initializer].as_str(),
        gain: t.gain,
        optimizer: labels.optimizers[t.optimizer].as_str(),
        lr: plan.spec.optimizers[t.optimizer].lr(),
        parametrization: plan.spec.parametrizations[t.parametrization].name(),
        replicate: t.replicate,
        seed: t.seed,
        status: o.status,
        epochs_to_target: o.epochs_to_target,
        diverged_at_epoch: o.diverged_at,
        epochs_run: o.epochs_run,
        final_train_loss: last.and_then(|m| finite(m.train_loss)),
        final_train_acc: last.map(|m| m.train_acc),
        final_test_loss: last.and_then(|m| m.test_loss),
        final_test_acc: last.and_then(|m| m.test_acc),
        best_train_loss: finite(o.best.train_loss),
        best_train_acc: Some(o.best.train_acc),
        best_test_loss: o.best.test_loss,
        best_test_acc: o.best.test_acc,
        init_loss: finite(d.loss),
        init_grad_norm_first: finite(d.grad_norm_first),
        init_grad_norm_last: finite(d.grad_norm_last),
        init_act_std_first: finite(d.act_std_first),
        init_act_std_last: finite(d.act_std_last),
        init_saturated_frac: d.saturated_frac,
        init_dead_frac: d.dead_frac,
        init_symmetric: d.symmetric,
    })
}

pub fn curve_rows(out: &mut Table, t: &Trial, o: &Outcome) -> Result<()> {
    for c in &o.curve {
        let m = &c.metrics;
        out.row(&CurveRow {
            trial_id: t.id,
            epoch: c.epoch,
            train_loss: finite(m.train_loss),
            train_acc: m.train_acc,
            test_loss: m.test_loss,
            test_acc: m.test_acc,
        })?;
    }
    Ok(())
}

/// See [`super::numbers::loss`].
pub fn loss(x: f64) -> String {
    super::numbers::loss(x).as_str().to_string()
}

/// See [`super::numbers::real`].
pub fn real(x: f64) -> String {
    super::numbers::real(x).as_str().to_string()
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
