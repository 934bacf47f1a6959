//! How much memory a piece of work will need, checked before anything is allocated.
//!
//! An allocation the machine cannot satisfy aborts the process (exit 134) wherever it
//! happens, leaving a results folder locked and `running`. So `run`, `sample` and `regions`
//! estimate their largest allocations first and refuse, as bad input, work that needs more
//! than the limit: the memory the system reports available (`MemAvailable`), or what
//! `--max-memory` says.

use crate::error::{Error, Result};

const GIB: f64 = (1u64 << 30) as f64;

/// The most memory work may take.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub bytes: u64,
    /// Given with `--max-memory` rather than read from the system.
    pub explicit: bool,
}

impl Limit {
    /// `--max-memory GIB` if given, else the memory available now; `None` when neither is
    /// known (no `/proc/meminfo`), and then nothing is refused.
    pub fn new(max_memory_gib: Option<f64>) -> Result<Option<Limit>> {
        if let Some(g) = max_memory_gib {
            if !(g > 0.0 && g.is_finite()) {
                return Err(Error::Input(format!(
                    "--max-memory: expected a positive number of GiB, got {g}"
                )));
            }
            return Ok(Some(Limit {
                bytes: (g * GIB).min(u64::MAX as f64) as u64,
                explicit: true,
            }));
        }
        Ok(available().map(|bytes| Limit {
            bytes,
            explicit: false,
        }))
    }

    /// Refuses `need` bytes for `what` when they exceed the limit; `advice` says what to
    /// make smaller.
    pub fn check(&self, what: &str, need: u128, advice: &str) -> Result<()> {
        if need <= self.bytes as u128 {
            return Ok(());
        }
        let whose = match self.explicit {
            true => "the --max-memory limit",
            false => "the memory this machine has available",
        };
        Err(Error::Input(format!(
            "{what} needs about {} of memory, more than {whose} ({}); {advice}, or pass \
             --max-memory GIB if the estimate is wrong for this machine",
            gib(need),
            gib(self.bytes as u128)
        )))
    }
}

/// `96 GiB`, `2.5 GiB`, or `12.3 MiB` for small amounts.
pub fn gib(bytes: u128) -> String {
    let g = bytes as f64 / GIB;
    match g {
        g if g >= 10.0 => format!("{g:.0} GiB"),
        g if g >= 0.1 => format!("{g:.1} GiB"),
        g => format!("{:.1} MiB", g * 1024.0),
    }
}

/// `MemAvailable` from `/proc/meminfo`, in bytes.
fn available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_need_over_the_limit_is_refused_with_both_figures() {
        let limit = Limit::new(Some(2.0)).unwrap().unwrap();
        assert!(limit.check("x", 2 << 30, "smaller").is_ok());
        let err = limit.check("a map", 3 << 30, "a smaller grid").unwrap_err();
        let msg = err.to_string();
        for part in [
            "a map",
            "3.0 GiB",
            "2.0 GiB",
            "--max-memory limit",
            "a smaller grid",
        ] {
            assert!(msg.contains(part), "no `{part}` in {msg}");
        }
        assert!(matches!(err, Error::Input(_)));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(Limit::new(Some(bad)).is_err());
        }
    }

    #[test]
    fn the_system_limit_is_what_the_kernel_reports() {
        let Some(limit) = Limit::new(None).unwrap() else {
            return; // no /proc/meminfo on this system
        };
        assert!(!limit.explicit);
        assert!(limit.bytes > 1 << 20, "{} bytes available?", limit.bytes);
    }
}
