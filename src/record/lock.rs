//! One writer per results folder: `initbench.lock` holds the writing process's id and host.
//!
//! A second run on the same folder is refused while the first lives. A lock left by a process
//! that is gone (killed, crashed, the machine rebooted) is recognised by its process id and
//! taken over with a message. A lock from another host cannot be checked from here, so it is
//! refused with the way out spelled out.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub struct Lock {
    path: PathBuf,
}

pub const NAME: &str = "initbench.lock";

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Is process `pid` alive on this host and an initbench (not a stranger that reused the id)?
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmd) => String::from_utf8_lossy(&cmd).contains("initbench"),
        Err(_) => false,
    }
}

impl Lock {
    /// Takes the lock on `dir` (which must exist).
    pub fn acquire(dir: &Path) -> Result<Lock> {
        let path = dir.join(NAME);
        let me = format!("pid={}\nhost={}\n", std::process::id(), host());
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    f.write_all(me.as_bytes())
                        .map_err(|e| Error::io(&path, e))?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    let field = |k: &str| {
                        text.lines()
                            .find_map(|l| l.strip_prefix(k).map(str::to_string))
                            .unwrap_or_default()
                    };
                    let (pid, their_host) = (field("pid="), field("host="));
                    let pid_num: Option<u32> = pid.parse().ok();
                    if their_host != host() {
                        return Err(Error::Input(format!(
                            "{} is locked by process {pid} on host `{their_host}`; if that run is gone, delete {}",
                            dir.display(),
                            path.display()
                        )));
                    }
                    if pid_num.is_some_and(alive) {
                        return Err(Error::Input(format!(
                            "{} is being written by another initbench run (process {pid}); wait for it or choose another --out",
                            dir.display()
                        )));
                    }
                    eprintln!(
                        "initbench: taking over the stale lock of process {} on {}",
                        if pid.is_empty() { "?" } else { &pid },
                        dir.display()
                    );
                    std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                }
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        Err(Error::Other(format!(
            "{}: could not take the lock",
            path.display()
        )))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_live_holder_and_takes_over_a_dead_one() {
        let dir = std::env::temp_dir().join(format!("initbench-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let held = Lock::acquire(&dir).unwrap();
        match Lock::acquire(&dir) {
            Err(Error::Input(m)) => assert!(m.contains("another initbench run"), "{m}"),
            _ => panic!("a second lock must be refused"),
        }
        drop(held);
        assert!(!dir.join(NAME).exists());
        // A dead process: pid 0 never names a live initbench.
        std::fs::write(dir.join(NAME), format!("pid=0\nhost={}\n", host())).unwrap();
        let taken = Lock::acquire(&dir).unwrap();
        drop(taken);
        std::fs::write(dir.join(NAME), "pid=1\nhost=elsewhere\n").unwrap();
        assert!(matches!(Lock::acquire(&dir), Err(Error::Input(m)) if m.contains("elsewhere")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
