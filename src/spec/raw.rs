//! A mirror of the spec file's text: serde fills it, rejecting unknown keys, and every value
//! keeps its position for error messages.

use serde::Deserialize;
use toml::Spanned;

pub(super) type Axis<T> = Option<Spanned<Vec<Spanned<T>>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Raw {
    pub(super) name: Option<Spanned<String>>,
    pub(super) description: Option<String>,
    pub(super) seed: Option<Spanned<i64>>,
    pub(super) replicates: Option<Spanned<i64>>,
    pub(super) epochs: Option<Spanned<i64>>,
    pub(super) batch_size: Option<Spanned<i64>>,
    pub(super) test_fraction: Option<Spanned<f64>>,
    pub(super) loss: Option<Spanned<String>>,
    pub(super) output_activation: Option<Spanned<String>>,
    pub(super) bias_initializer: Option<Spanned<toml::Value>>,
    pub(super) target: Option<Spanned<RawTarget>>,
    pub(super) early_stop: Option<bool>,
    pub(super) figures: Option<bool>,
    pub(super) weights_max_params: Option<Spanned<i64>>,
    pub(super) record_layers: Option<bool>,
    pub(super) record_jacobian: Option<bool>,
    pub(super) residual: Option<Spanned<bool>>,
    pub(super) branch_scale: Option<Spanned<f64>>,
    pub(super) train_branch_scale: Option<Spanned<bool>>,
    pub(super) scalar_biases: Option<Spanned<bool>>,
    pub(super) layer_norm: Option<Spanned<String>>,
    pub(super) dataset: Axis<toml::Value>,
    pub(super) initializer: Axis<toml::Value>,
    pub(super) depth: Axis<i64>,
    pub(super) width: Axis<i64>,
    pub(super) activation: Axis<toml::Value>,
    pub(super) gain: Axis<f64>,
    pub(super) optimizer: Axis<toml::Value>,
    pub(super) parametrization: Axis<toml::Value>,
    pub(super) base_width: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTarget {
    pub(super) train_loss: Option<Spanned<f64>>,
    pub(super) train_acc: Option<Spanned<f64>>,
}
