//! An epoch's scores kept per lane: the last and best metrics, the curve, and when a lane
//! meets its target or diverges.

// Loops index several arrays in lockstep by lane or unit; index loops keep that plain.
#![allow(clippy::needless_range_loop)]

use super::*;

/// The factor that turns a pass's summed train loss into the epoch's mean loss.
pub(in crate::train::fused) fn train_scale(pr: &Problem) -> f32 {
    let n = pr.train.n as f32;
    let k = pr.dims[pr.dims.len() - 1] as f32;
    match pr.out {
        Out::SoftmaxCe => 1.0 / n,
        _ => 1.0 / (n * k),
    }
}

/// Applies one epoch's scores to the active lanes, as `cohort::observe` does.
#[inline(always)]
pub(in crate::train::fused) fn observe<const L: usize>(
    pr: &Problem,
    tr: &mut Tracks<L>,
    epoch: u32,
    train: &Pass<L>,
    test: Option<&Pass<L>>,
    p: &[V<L>],
) {
    let k = pr.dims[pr.dims.len() - 1] as f32;
    let train_scale = train_scale(pr);
    let (n_test, test_scale) = match &pr.test {
        Some(d) => {
            let nt = d.n as f32;
            (
                nt,
                match pr.out {
                    Out::SoftmaxCe => 1.0 / nt,
                    _ => 1.0 / (nt * k),
                },
            )
        }
        None => (1.0, 1.0),
    };
    let bounds = tr.bounds;
    // Plain loops over lanes, each simple enough that it compiles to vector instructions at
    // every block width (one loop doing all of this stayed scalar at 16 lanes).
    let mut vals = [[0.0; L]; 4];
    for q in 0..L {
        vals[0][q] = train.loss[q] * train_scale;
        vals[1][q] = train.hits[q];
    }
    if let Some(t) = test {
        for q in 0..L {
            vals[2][q] = t.loss[q] * test_scale;
            vals[3][q] = t.hits[q];
        }
    }
    let mut live = [false; L];
    let mut met = [false; L];
    let mut event = 0u8;
    for q in 0..L {
        let ok = vals[0][q].is_finite() & vals[2][q].is_finite();
        live[q] = tr.active[q] & ok;
        met[q] = (vals[0][q] <= bounds.0) & (vals[1][q] >= bounds.1);
        event |= u8::from(tr.active[q] & (!ok | (met[q] & !tr.reached[q])));
    }
    let event = event != 0;
    // As in `update`: while every lane is live, constant masks keep the stores plain.
    if live.iter().all(|&l| l) {
        keep(tr, epoch, &vals, &[true; L], &[true; L]);
    } else {
        let active = tr.active;
        keep(tr, epoch, &vals, &live, &active);
    }
    let metrics = |q: usize| Metrics {
        train_loss: vals[0][q] as f64,
        train_acc: vals[1][q] as f64 / pr.train.n as f64,
        test_loss: test.map(|_| vals[2][q] as f64),
        test_acc: test.map(|_| vals[3][q] as f64 / n_test as f64),
    };
    if pr.on_curve[epoch as usize] {
        for q in (0..L).filter(|&q| live[q]) {
            tr.lanes[q].curve.push(CurvePoint {
                epoch,
                metrics: metrics(q),
            });
            if pr.snapshots {
                tr.lanes[q].snapshots.push(p.iter().map(|v| v[q]).collect());
            }
        }
    }
    if event {
        for q in 0..L {
            if !tr.active[q] {
                continue;
            }
            if !live[q] {
                tr.lanes[q].diverged_at = Some(epoch);
                tr.active[q] = false;
            } else if met[q] && !tr.reached[q] {
                tr.reached[q] = true;
                tr.lanes[q].epochs_to_target = Some(epoch);
                if pr.early_stop {
                    tr.active[q] = false;
                }
            }
        }
    }
}

/// Records an epoch's scores `vals` (train loss and hits, test loss and hits) as the last and
/// best of the `live` lanes, and the epoch as the last run of the `active` ones.
#[inline(always)]
pub(super) fn keep<const L: usize>(
    tr: &mut Tracks<L>,
    epoch: u32,
    vals: &[V<L>; 4],
    live: &[bool; L],
    active: &[bool; L],
) {
    for q in 0..L {
        tr.run[q] = if active[q] { epoch } else { tr.run[q] };
        for (s, v) in vals.iter().enumerate() {
            tr.last[s][q] = if live[q] { v[q] } else { tr.last[s][q] };
        }
        tr.best[0][q] = if live[q] {
            tr.best[0][q].min(vals[0][q])
        } else {
            tr.best[0][q]
        };
        tr.best[1][q] = if live[q] {
            tr.best[1][q].max(vals[1][q])
        } else {
            tr.best[1][q]
        };
        tr.best[2][q] = if live[q] {
            tr.best[2][q].min(vals[2][q])
        } else {
            tr.best[2][q]
        };
        tr.best[3][q] = if live[q] {
            tr.best[3][q].max(vals[3][q])
        } else {
            tr.best[3][q]
        };
        tr.seen[q] |= live[q];
    }
}

/// The target as f32 bounds on a lane's loss and count of right rows, exactly equivalent to
/// `Target::met` on the f64 metrics: the largest f32 loss whose f64 value is ≤ the bound, and
/// the fewest rows whose fraction is ≥ the accuracy bound.
pub(super) fn f32_bounds(pr: &Problem) -> (f32, f32) {
    let mut loss = pr.target_loss as f32;
    if loss as f64 > pr.target_loss {
        loss = f32::from_bits(if loss > 0.0 {
            loss.to_bits() - 1
        } else {
            loss.to_bits() + 1
        });
    }
    if pr.target_loss.is_nan() {
        loss = f32::NEG_INFINITY;
    }
    let n = pr.train.n;
    let rows = (0..=n)
        .find(|&c| c as f64 / n as f64 >= pr.target_acc)
        .map_or(f32::INFINITY, |c| c as f32);
    (loss, rows)
}

pub(in crate::train::fused) fn finish<const L: usize>(pr: &Problem, tr: Tracks<L>) -> Vec<Lane> {
    let n = pr.train.n as f64;
    let n_test = pr.test.as_ref().map_or(1.0, |d| d.n as f64);
    let has_test = pr.test.is_some();
    let m = |v: &[V<L>; 4], q: usize| Metrics {
        train_loss: v[0][q] as f64,
        train_acc: v[1][q] as f64 / n,
        test_loss: has_test.then_some(v[2][q] as f64),
        test_acc: has_test.then_some(v[3][q] as f64 / n_test),
    };
    let mut lanes = tr.lanes;
    for (q, lane) in lanes.iter_mut().enumerate() {
        lane.epochs_run = tr.run[q];
        if tr.seen[q] {
            lane.last = Some(m(&tr.last, q));
            lane.best = Some(m(&tr.best, q));
        }
    }
    lanes
}
