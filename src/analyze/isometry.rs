//! The Jacobian's spectrum at initialization, from `jacobian.csv` (spec key
//! `record_jacobian`), against free probability's prediction (Pennington, Schoenholz & Ganguli
//! 2017; `crate::theory::jacobian_moments`).
//!
//! Per cell: the mean over its trials of each trial's mean and variance of the squared
//! singular values, and the median of the largest singular value. A cell has a prediction when
//! its weights are orthogonal (σ_w² = gain², s₁ = 0) or fan-in variance scaling (σ_w² =
//! scale · gain², s₁ = −1: every i.i.d. law of that variance has the Marchenko–Pastur
//! spectrum), and its biases have one variance (σ_b² = Var(bias) · gain²). The theory's
//! length map starts from the first hidden layer's measured pre-activation variance (the
//! cell's mean `q_first`), so the prediction is for the inputs the network saw, not only for
//! a stack already at its fixed point q*.

use std::collections::HashMap;
use std::path::Path;

use super::chaos::spec_of;
use super::trials::{CellTrials, Setting};
use crate::error::Result;
use crate::init::Initializer;
use crate::record::canonical::JACOBIAN;
use crate::record::schema::{self, JacobianRow};
use crate::record::Manifest;
use crate::spec::Spec;
use crate::{stats, theory};

/// Every cell's spectrum, in the cells' order.
#[derive(Clone, Debug)]
pub struct Isometry {
    pub cells: Vec<Cell>,
}

#[derive(Clone, Debug)]
pub struct Cell {
    pub setting: Setting,
    /// Hidden-to-hidden layers the Jacobian spans.
    pub layers: usize,
    /// Trials with a finite spectrum.
    pub n: usize,
    pub sv2_mean: f64,
    pub sv2_var: f64,
    pub sv_max: f64,
    pub predicted: Option<Predicted>,
}

/// What free probability predicts for a cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Predicted {
    pub sv2_mean: f64,
    pub sv2_var: f64,
}

/// `dir/jacobian.csv` analysed, or `None` when the run did not record the spectrum.
pub fn analyze(manifest: &Manifest, dir: &Path, cells: &[CellTrials]) -> Result<Option<Isometry>> {
    let path = dir.join(JACOBIAN);
    if !path.exists() {
        return Ok(None);
    }
    let rows: Vec<JacobianRow> = schema::read_all(&path)?;
    let by_id: HashMap<u64, &JacobianRow> = rows.iter().map(|r| (r.trial_id, r)).collect();
    let spec = spec_of(manifest, dir)?;
    let mut out = Vec::new();
    for c in cells {
        let mine: Vec<&JacobianRow> = c
            .ids
            .iter()
            .filter_map(|id| by_id.get(id).copied())
            .collect();
        let Some(first) = mine.first() else { continue };
        let finite: Vec<&JacobianRow> = mine
            .iter()
            .copied()
            .filter(|r| {
                [r.sv2_mean, r.sv2_var, r.sv_max, r.q_first]
                    .iter()
                    .all(Option::is_some)
            })
            .collect();
        let col = |f: fn(&JacobianRow) -> Option<f64>| -> Vec<f64> {
            finite.iter().filter_map(|r| f(r)).collect()
        };
        let nan = f64::NAN;
        out.push(Cell {
            setting: c.setting.clone(),
            layers: first.layers,
            n: finite.len(),
            sv2_mean: stats::mean(&col(|r| r.sv2_mean)).unwrap_or(nan),
            sv2_var: stats::mean(&col(|r| r.sv2_var)).unwrap_or(nan),
            sv_max: stats::median(&col(|r| r.sv_max)).unwrap_or(nan),
            predicted: stats::mean(&col(|r| r.q_first))
                .and_then(|q| predict(&spec, &c.setting, q, first.layers)),
        });
    }
    Ok(Some(Isometry { cells: out }))
}

fn predict(spec: &Spec, s: &Setting, q_first: f64, layers: usize) -> Option<Predicted> {
    let init = spec
        .initializers
        .iter()
        .find(|i| i.label() == s.initializer)?;
    let act = spec
        .activations
        .iter()
        .find(|a| a.label() == s.activation)?;
    let g2 = s.gain * s.gain;
    // (σ_w², s₁): orthogonal, or i.i.d. of variance σ_w²/fan_in.
    let (sigma_w2, s1) = match init {
        Initializer::Orthogonal => (g2, 0.0),
        Initializer::CriticalOrthogonal => {
            let scale = init.critical_scale(*act, &spec.bias_initializer).ok()?;
            (scale * scale * g2, 0.0)
        }
        _ => (init.fan_in_scale()? * g2, -1.0),
    };
    let sigma_b2 = spec.bias_initializer.bias_variance()? * g2;
    let phi = |x: f64| act.scalar(x);
    let dphi = |x: f64| act.scalar_derivative(x);
    let (mean, var) =
        theory::jacobian_moments(&phi, &dphi, (sigma_w2, sigma_b2), q_first, layers, s1);
    Some(Predicted {
        sv2_mean: mean,
        sv2_var: var,
    })
}
