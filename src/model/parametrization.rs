//! How a network's initial scale and learning rates change with its width: the standard
//! parametrization, the NTK parametrization (Jacot et al. 2018) and the maximal-update
//! parametrization, muP (Yang & Hu 2021; Yang et al. 2022, "Tensor Programs V").
//!
//! Each is written, as Tensor Programs V's Table 3 writes muP, as factors on the standard
//! parametrization's initial weights and on the optimizer's learning rate, per parameter
//! tensor, taken relative to a base width: with m = width / base_width every factor is 1 at the
//! base width, where the three coincide, and the initializer and learning rate the spec gives
//! are the base model's. The input layer's fan-in and the output layer's fan-out are the data's,
//! so they do not grow with m.
//!
//! | tensor | muP init | muP SGD lr | muP Adam lr | NTK SGD lr | NTK Adam lr |
//! |---|---|---|---|---|---|
//! | input weights | 1 | m | 1 | 1 | 1 |
//! | hidden weights | 1 | 1 | 1/m | 1/m | 1/√m |
//! | output weights | 1/√m | 1/m | 1/m | 1/m | 1/√m |
//! | hidden biases | — | m | 1 | 1 | 1 |
//! | output bias | — | 1 | 1 | 1 | 1 |
//!
//! muP's row is Table 3 (output weights' variance 1/fan_in², SGD rates η·fan_out for input
//! weights and biases and η/fan_in for output weights; Adam rates η/fan_in for hidden and output
//! weights), and the rules of microsoft/mup's `MuReadout`, `MuSGD` and `MuAdam`. The NTK
//! parametrization multiplies each layer's output by 1/√fan_in and initializes N(0, 1) weights
//! with one learning rate; written on the effective weights that is variance 1/fan_in at
//! initialization (the standard one) and a rate divided by fan_in for SGD, by √fan_in for Adam,
//! whose steps do not scale with the gradient. Momentum's steps scale with the gradient, so it
//! takes SGD's factors.

/// A parametrization (the `parametrization` axis of a spec).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Parametrization {
    Standard,
    Ntk,
    Mup,
}

pub const NAMES: &[&str] = &["standard", "ntk", "mup"];

impl Parametrization {
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "standard" => Ok(Parametrization::Standard),
            "ntk" => Ok(Parametrization::Ntk),
            "mup" => Ok(Parametrization::Mup),
            _ => Err(format!(
                "unknown parametrization `{name}`; valid names: {}",
                NAMES.join(", ")
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Parametrization::Standard => "standard",
            Parametrization::Ntk => "ntk",
            Parametrization::Mup => "mup",
        }
    }
}

/// A parametrization at one width: what a cohort's networks are initialized and trained with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scaling {
    pub parametrization: Parametrization,
    /// m = width / base width (1 under the standard parametrization).
    pub width_mult: f64,
}

impl Scaling {
    pub const STANDARD: Scaling = Scaling {
        parametrization: Parametrization::Standard,
        width_mult: 1.0,
    };

    /// The factor on layer `l`'s initial weights, of `layers` weight layers.
    pub fn init_factor(&self, l: usize, layers: usize) -> f64 {
        match self.parametrization {
            Parametrization::Mup if l + 1 == layers => 1.0 / self.width_mult.sqrt(),
            _ => 1.0,
        }
    }

    /// The learning-rate factor of every parameter tensor, in the order w₀, b₀, w₁, b₁, …, for
    /// `layers` weight layers trained with Adam (`adaptive`) or with SGD or momentum.
    pub fn lr_factors(&self, layers: usize, adaptive: bool) -> Vec<f64> {
        let m = self.width_mult;
        let mut out = Vec::with_capacity(2 * layers);
        for l in 0..layers {
            let (input, output) = (l == 0, l + 1 == layers);
            let (w, b) = match (self.parametrization, adaptive) {
                (Parametrization::Standard, _) => (1.0, 1.0),
                // Every network has a hidden layer, so no layer is both input and output.
                (Parametrization::Mup, false) if input => (m, m),
                (Parametrization::Mup, false) if output => (1.0 / m, 1.0),
                (Parametrization::Mup, false) => (1.0, m),
                (Parametrization::Mup, true) if input => (1.0, 1.0),
                (Parametrization::Mup, true) => (1.0 / m, 1.0),
                (Parametrization::Ntk, false) if !input => (1.0 / m, 1.0),
                (Parametrization::Ntk, true) if !input => (1.0 / m.sqrt(), 1.0),
                (Parametrization::Ntk, _) => (1.0, 1.0),
            };
            out.push(w);
            out.push(b);
        }
        out
    }

    /// Whether every factor is 1: the standard parametrization, or any at its base width.
    pub fn is_identity(&self) -> bool {
        self.parametrization == Parametrization::Standard || self.width_mult == 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(p: Parametrization, m: f64) -> Scaling {
        Scaling {
            parametrization: p,
            width_mult: m,
        }
    }

    #[test]
    fn factors_follow_the_table() {
        // Three weight layers: input, one hidden, output; m = 4.
        let mup = at(Parametrization::Mup, 4.0);
        assert_eq!(mup.lr_factors(3, false), [4.0, 4.0, 1.0, 4.0, 0.25, 1.0]);
        assert_eq!(mup.lr_factors(3, true), [1.0, 1.0, 0.25, 1.0, 0.25, 1.0]);
        assert_eq!(
            (0..3).map(|l| mup.init_factor(l, 3)).collect::<Vec<_>>(),
            [1.0, 1.0, 0.5]
        );
        let ntk = at(Parametrization::Ntk, 4.0);
        assert_eq!(ntk.lr_factors(3, false), [1.0, 1.0, 0.25, 1.0, 0.25, 1.0]);
        assert_eq!(ntk.lr_factors(3, true), [1.0, 1.0, 0.5, 1.0, 0.5, 1.0]);
        assert!((0..3).all(|l| ntk.init_factor(l, 3) == 1.0));
        assert!(!mup.is_identity() && !ntk.is_identity());
    }

    #[test]
    fn every_parametrization_is_the_standard_one_at_its_base_width() {
        for p in [Parametrization::Ntk, Parametrization::Mup] {
            let s = at(p, 1.0);
            assert!(s.is_identity());
            for adaptive in [false, true] {
                assert!(s.lr_factors(4, adaptive).iter().all(|&f| f == 1.0));
            }
            assert!((0..4).all(|l| s.init_factor(l, 4) == 1.0));
        }
        assert!(Scaling::STANDARD
            .lr_factors(2, false)
            .iter()
            .all(|&f| f == 1.0));
    }

    #[test]
    fn names_round_trip() {
        for &n in NAMES {
            assert_eq!(Parametrization::parse(n).unwrap().name(), n);
        }
        assert!(Parametrization::parse("sp")
            .unwrap_err()
            .contains("valid names: standard, ntk, mup"));
    }
}
