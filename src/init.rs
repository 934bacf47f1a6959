//! Weight initializers: every scheme a spec can name, each with the formula it follows.
//!
//! Keras names follow Keras 3, `keras/src/initializers/{constant_initializers,
//! random_initializers}.py`; PyTorch names follow `torch/nn/init.py` and `nn.Linear.
//! reset_parameters` in `torch/nn/modules/linear.py`; `lsuv` follows Mishkin & Matas (2015),
//! `zer_o` Zhao, Schäfer & Anandkumar (2022), `idinit` Pan et al. (2025), `gradinit` Zhu et
//! al. (2021) and `metainit` Dauphin & Schoenholz (2019).
//! Nothing is sampled by a framework: all draws come from [`crate::rng`], so a trial's weights
//! depend only on its seed. Values are f64 so tests can check orthogonality to 1e-10; callers
//! cast to f32.
//!
//! Sampling order, fixed so that results stay the same bytes: i.i.d. initializers draw
//! `fan_in·fan_out` values one after another and lay them out row-major in the layout's shape
//! (so the flat vector is the same in both layouts, only read in another shape); truncated
//! normals redraw in place; orthogonal, sparse and lsuv follow their algorithms below.
//! `fan_in` and `fan_out` are always the layer's true fans, whatever the layout, so i.i.d.
//! initializers have the same law in both layouts; only orthogonal, identity and sparse see the
//! layout's shape. ZerO and IDInit are deterministic and defined on PyTorch's [fan_out, fan_in]
//! weight, whichever layout they are written in.
//!
//! Where things live: the [`Initializer`] enum and its sampling entry points are here;
//! `catalogue.rs` holds the names, parsing and labels; `formula.rs` each initializer's formula
//! at given fans; `law.rs` the i.i.d. draws; `orthogonal.rs`, `structured.rs` (identity, sparse, ZerO, IDInit)
//! and `lsuv.rs` the matrix algorithms; `fans.rs` the layouts and fan modes; `gain.rs`
//! PyTorch's gain table.

mod catalogue;
mod fans;
mod formula;
mod gain;
mod law;
mod lsuv;
mod orthogonal;
mod structured;
#[cfg(test)]
mod tests;

pub use catalogue::CATALOGUE;
pub use fans::{FanMode, Layout};
pub use formula::{Distribution, TRUNCATED_STD};
pub use gain::{calculate_gain, Nonlinearity};
pub(crate) use lsuv::affine;
pub use lsuv::lsuv;

use crate::model::{Activation, Architecture, Role};
use crate::rng::Rng;
use formula::Kind;

/// Every initializer a spec can name.
#[derive(Clone, Debug, PartialEq)]
pub enum Initializer {
    Zeros,
    Ones,
    Constant {
        value: f64,
    },
    RandomNormal {
        mean: f64,
        stddev: f64,
    },
    RandomUniform {
        minval: f64,
        maxval: f64,
    },
    TruncatedNormal {
        mean: f64,
        stddev: f64,
    },
    VarianceScaling {
        scale: f64,
        mode: FanMode,
        distribution: Distribution,
    },
    GlorotUniform,
    GlorotNormal,
    HeUniform,
    HeNormal,
    LecunUniform,
    LecunNormal,
    Orthogonal,
    /// Orthogonal × σ_w at the activation's critical point; the trainer scales it (see
    /// [`Initializer::critical_scale`]).
    CriticalOrthogonal,
    Identity,
    XavierUniform {
        nonlinearity: Nonlinearity,
        a: f64,
    },
    XavierNormal {
        nonlinearity: Nonlinearity,
        a: f64,
    },
    KaimingUniform {
        a: f64,
        mode: FanMode,
        nonlinearity: Nonlinearity,
    },
    KaimingNormal {
        a: f64,
        mode: FanMode,
        nonlinearity: Nonlinearity,
    },
    TorchLinear,
    Sparse {
        sparsity: f64,
        std: f64,
    },
    Lsuv {
        tol: f64,
        max_iter: u32,
    },
    ZerO,
    IdInit {
        tau: f64,
    },
    /// Fixup (Zhang, Dauphin & Ma 2019) for residual networks: He's Gaussian, the branches'
    /// first layers × L^(−1/2), their last layers and the output layer zero. [`Initializer::sample`]
    /// draws the Gaussian; [`residual_roles`] applies the rest.
    Fixup,
    /// He normal with each residual branch's last layer zero, so every block starts as the
    /// identity, the starting point of SkipInit (De & Smith 2020) and ReZero (Bachlechner et
    /// al. 2020). [`residual_roles`] zeroes the branches.
    ZeroBranch,
    /// GradInit (Zhu et al. 2021): `base`'s draw, each tensor then scaled by a factor learned
    /// so that the optimizer's first step lowers the loss most while the gradient norm stays
    /// under `gamma` ([`crate::train::learned`]).
    GradInit {
        base: Box<Initializer>,
        iters: u32,
        lr: f64,
        gamma: f64,
        min_scale: f64,
        batch: u32,
    },
    /// MetaInit (Dauphin & Schoenholz 2019): `base`'s draw, each weight matrix's norm then
    /// tuned by sign descent on the gradient quotient ([`crate::train::learned`]).
    MetaInit {
        base: Box<Initializer>,
        steps: u32,
        lr: f64,
        momentum: f64,
        batch: u32,
    },
}

impl Initializer {
    /// A fan_in × fan_out weight matrix, row-major in `layout`'s shape, every value multiplied
    /// by `gain` — except lsuv, whose orthogonal start is returned at gain 1 because LSUV's
    /// target variance gain² sets the scale afterwards (see [`lsuv`]).
    pub fn sample(
        &self,
        fan_in: usize,
        fan_out: usize,
        layout: Layout,
        gain: f64,
        rng: &mut Rng,
    ) -> Vec<f64> {
        let (rows, cols) = layout.shape(fan_in, fan_out);
        let gain = if matches!(self, Initializer::Lsuv { .. }) {
            1.0
        } else {
            gain
        };
        let mut w = match self.kind(fan_in, fan_out) {
            Kind::Iid(law) => (0..rows * cols).map(|_| law.draw(rng)).collect(),
            Kind::Orthogonal => orthogonal::orthogonal(rows, cols, rng),
            Kind::Identity => structured::identity(rows, cols),
            Kind::ZerO => structured::zer_o(fan_in, fan_out, layout),
            Kind::IdInit { tau } => structured::idinit(fan_in, fan_out, layout, tau),
            Kind::Sparse { sparsity, std } => {
                structured::sparse(fan_in, fan_out, layout, sparsity, std, rng)
            }
        };
        if gain != 1.0 {
            w.iter_mut().for_each(|x| *x *= gain);
        }
        w
    }

    /// Whether this initializer can fill a bias vector; orthogonal, identity, sparse and lsuv
    /// are defined only for matrices (Keras and PyTorch both refuse 1-D tensors for them).
    pub fn check_bias(&self) -> Result<(), String> {
        match self {
            Initializer::Orthogonal
            | Initializer::CriticalOrthogonal
            | Initializer::Identity
            | Initializer::Sparse { .. }
            | Initializer::Lsuv { .. }
            | Initializer::ZerO
            | Initializer::IdInit { .. }
            | Initializer::Fixup
            | Initializer::ZeroBranch
            | Initializer::GradInit { .. }
            | Initializer::MetaInit { .. } => Err(format!(
                "initializer `{}` is defined only for weight matrices and cannot initialize a \
                 bias; use zeros, a constant or an i.i.d. initializer for biases",
                self.name()
            )),
            _ => Ok(()),
        }
    }

    /// A bias of `units` values for a layer with `fan_in` inputs, every value × `gain`.
    ///
    /// Fans follow Keras's rule for 1-D shapes (`compute_fans`: fan_in = fan_out = units), also
    /// for the PyTorch formulas, which refuse 1-D tensors themselves; torch_linear instead uses
    /// the layer's fan_in, as nn.Linear does.
    pub fn sample_bias(
        &self,
        units: usize,
        fan_in: usize,
        gain: f64,
        rng: &mut Rng,
    ) -> Result<Vec<f64>, String> {
        self.check_bias()?;
        let (fi, fo) = match self {
            Initializer::TorchLinear => (fan_in, units),
            _ => (units, units),
        };
        match self.kind(fi, fo) {
            Kind::Iid(law) => Ok((0..units).map(|_| gain * law.draw(rng)).collect()),
            // check_bias has already refused every non-i.i.d. kind.
            _ => Err(format!(
                "initializer `{}` cannot initialize a bias",
                self.name()
            )),
        }
    }

    /// For critical_orthogonal, the factor σ_w that puts orthogonal weights on the critical line
    /// χ₁ = 1 of `act` at the variance of `bias`'s draws (Pennington, Schoenholz & Ganguli
    /// 2017: orthogonal weights at criticality give dynamical isometry); 1 for every other
    /// initializer. The gain multiplies weights and biases on top, so gain 1 is critical.
    pub fn critical_scale(&self, act: Activation, bias: &Initializer) -> Result<f64, String> {
        if *self.base() != Initializer::CriticalOrthogonal {
            return Ok(1.0);
        }
        let b = bias.bias_variance().ok_or_else(|| {
            format!(
                "initializer `critical_orthogonal` needs biases of one variance σ_b² (zeros, a \
                 zero constant, a zero-mean random_normal or a symmetric random_uniform); \
                 bias_initializer is `{}`",
                bias.label()
            )
        })?;
        let w = act.critical_sigma_w2(b).ok_or_else(|| {
            format!(
                "initializer `critical_orthogonal`: activation `{}` has no critical σ_w² in \
                 [0.01, 100] at σ_b² = {b}",
                act.label()
            )
        })?;
        Ok(w.sqrt())
    }

    /// True for the initializers defined by a layer's place in a residual network (fixup,
    /// zero_branch): a spec without `residual = true` is refused, and so is `initbench sample`.
    pub fn needs_residual(&self) -> bool {
        matches!(self.base(), Initializer::Fixup | Initializer::ZeroBranch)
    }

    /// True for lsuv, gradinit and metainit: they need data, so the trainer samples their
    /// start with [`Initializer::sample`] (lsuv's orthogonal matrices, the others' base) and
    /// then runs [`lsuv`] or [`crate::train::learned::fit`].
    pub fn is_data_dependent(&self) -> bool {
        matches!(
            self,
            Initializer::Lsuv { .. } | Initializer::GradInit { .. } | Initializer::MetaInit { .. }
        )
    }

    /// The initializer whose draw this one starts from: gradinit's and metainit's `base`, and
    /// every other initializer itself.
    pub fn base(&self) -> &Initializer {
        match self {
            Initializer::GradInit { base, .. } | Initializer::MetaInit { base, .. } => base,
            _ => self,
        }
    }
}

/// Applies a residual initializer's rules by layer role, after every layer was drawn from its
/// law (for the initializers that are not [`Initializer::needs_residual`], nothing changes).
///
/// Fixup's rules 1 and 2 (Zhang et al. 2019, §3): the output layer and each branch's last
/// layer are zero, and the other branch layers are scaled by L^(−1/(2m−2)) for L blocks of
/// m = 2 layers, that is L^(−1/2). Its scalar multipliers and biases (rule 3) are not
/// parameters here; the biases are the spec's `bias_initializer` (zeros by default, as in
/// Fixup). zero_branch zeroes each branch's last layer.
pub fn residual_roles(init: &Initializer, arch: &Architecture, weights: &mut [Vec<f64>]) {
    let zero_head = match init.base() {
        Initializer::Fixup => true,
        Initializer::ZeroBranch => false,
        _ => return,
    };
    let scale = (arch.blocks().max(1) as f64).powf(-0.5);
    for (l, w) in weights.iter_mut().enumerate() {
        match arch.role(l) {
            Role::BranchIn if zero_head => w.iter_mut().for_each(|x| *x *= scale),
            Role::BranchOut => w.iter_mut().for_each(|x| *x = 0.0),
            Role::Output if zero_head => w.iter_mut().for_each(|x| *x = 0.0),
            _ => {}
        }
    }
}
