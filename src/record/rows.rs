//! The rows of `trials.csv`, `curves.csv` and `timings.csv`, and how numbers are written.
//!
//! Every column holds one kind of value in one unit, named by the header; a missing value is
//! an empty cell; numbers are plain decimals (or `1.5e-7` style for the very small and very
//! large) so spreadsheets read them as numbers. `results/README.md` documents every column.

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

/// One row per hidden layer at each recorded epoch (none unless the spec records layers).
pub fn layer_rows<'a>(t: &Trial, o: &'a Outcome) -> impl Iterator<Item = Vec<String>> + 'a {
    let id = trial_id(t);
    o.layers.iter().map(move |p| {
        vec![
            id.clone(),
            p.epoch.to_string(),
            p.layer.to_string(),
            loss(p.act_mean),
            loss(p.act_std),
            opt_real(p.saturated_frac),
        ]
    })
}

/// One row per weight layer of the trial's initial network.
pub fn weight_rows(t: &Trial, m: &Member, dims: &[usize]) -> Vec<Vec<String>> {
    (0..dims.len() - 1)
        .map(|l| {
            let f = m.layer_features(l, dims[l], dims[l + 1]);
            vec![
                trial_id(t),
                l.to_string(),
                dims[l].to_string(),
                dims[l + 1].to_string(),
                loss(f.mean),
                loss(f.std),
                loss(f.max_abs),
                loss(f.frobenius),
                loss(f.spectral),
            ]
        })
        .collect()
}

/// One row per parameter of the initial network (as trained, in f32), when it has at most
/// `max` parameters.
pub fn vector_rows(t: &Trial, m: &Member, max: usize) -> Vec<Vec<String>> {
    let flat = m.flat();
    if flat.len() > max {
        return Vec::new();
    }
    let id = trial_id(t);
    flat.iter()
        .enumerate()
        .map(|(i, v)| vec![id.clone(), i.to_string(), loss(*v)])
        .collect()
}

/// The trial id as written: `t` and 16 hex digits, so no spreadsheet mistakes it for a number.
pub fn trial_id(t: &Trial) -> String {
    format!("t{}", t.id_hex())
}

pub fn trial_row(plan: &Plan, t: &Trial, o: &Outcome) -> Vec<String> {
    let spec = &plan.spec;
    let opt = &spec.optimizers[t.optimizer];
    let last = o.last.as_ref();
    let d = &o.init;
    vec![
        trial_id(t),
        spec.datasets[t.dataset].label(),
        t.depth.to_string(),
        t.width.to_string(),
        spec.activations[t.activation].label(),
        spec.initializers[t.initializer].label(),
        real(t.gain),
        opt.label(),
        real(opt.lr()),
        t.replicate.to_string(),
        t.seed.to_string(),
        o.status.as_str().to_string(),
        opt_int(o.epochs_to_target),
        opt_int(o.diverged_at),
        o.epochs_run.to_string(),
        opt_loss(last.map(|m| m.train_loss)),
        opt_real(last.map(|m| m.train_acc)),
        opt_loss(last.and_then(|m| m.test_loss)),
        opt_real(last.and_then(|m| m.test_acc)),
        loss(o.best.train_loss),
        real(o.best.train_acc),
        opt_loss(o.best.test_loss),
        opt_real(o.best.test_acc),
        loss(d.loss),
        loss(d.grad_norm_first),
        loss(d.grad_norm_last),
        loss(d.act_std_first),
        loss(d.act_std_last),
        opt_real(d.saturated_frac),
        opt_real(d.dead_frac),
        d.symmetric.to_string(),
    ]
}

pub fn curve_rows<'a>(t: &Trial, o: &'a Outcome) -> impl Iterator<Item = Vec<String>> + 'a {
    let id = trial_id(t);
    o.curve.iter().map(move |c| {
        let m: &Metrics = &c.metrics;
        vec![
            id.clone(),
            c.epoch.to_string(),
            loss(m.train_loss),
            real(m.train_acc),
            opt_loss(m.test_loss),
            opt_real(m.test_acc),
        ]
    })
}

/// A quantity computed in the network's f32: written with the shortest digits that read back
/// to the same f32. Non-finite values become empty cells.
pub fn loss(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let v = x as f32;
    if v == 0.0 {
        "0".to_string()
    } else if (1e-5..1e9).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// An exact f64 (accuracy, a fraction, a setting): shortest round-trip digits.
pub fn real(x: f64) -> String {
    if !x.is_finite() {
        String::new()
    } else if x == 0.0 || (1e-5..1e15).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

fn opt_loss(x: Option<f64>) -> String {
    x.map(loss).unwrap_or_default()
}

fn opt_real(x: Option<f64>) -> String {
    x.map(real).unwrap_or_default()
}

fn opt_int(x: Option<u32>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
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
