//! initbench: measure how the initial weights of a neural network decide whether it trains.
//!
//! Data flows one way, one module per stage:
//! [`spec`] (read and validate an experiment) → [`plan`] (trials, seeds, cohorts) →
//! [`train`] (cohorts as one tensor program) → [`record`] (CSV and manifest) →
//! [`analyze`] (statistics from the results folder) → [`report`] (figures and report.md).
//! [`run`] drives the stages; [`cli`] is the thin command line.

pub mod analyze;
pub mod cli;
pub mod data;
pub mod error;
pub mod init;
pub mod memory;
pub mod model;
pub mod params;
pub mod plan;
pub mod record;
pub mod report;
pub mod rng;
pub mod run;
pub mod slurm;
pub mod spec;
pub mod stats;
pub mod theory;
pub mod train;

pub use error::{Error, Result};
