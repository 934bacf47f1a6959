//! Analysis of recorded outcomes.

pub mod cells;
