//! One writer per results folder: `initbench.lock` holds the writing process's id and host.
//!
//! A second run on the same folder is refused while the first lives. A lock left by a process
//! that is gone (killed, crashed, the machine rebooted) is recognised by its process id and
//! taken over with a message, as is an empty or garbled one. A lock from another host cannot
//! be checked from here, so it is refused with the way out spelled out.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

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
    ///
    /// The lock file appears whole or not at all: it is written under a temporary name and
    /// hard-linked into place, which fails if a lock is already there, so no starter ever
    /// reads a half-written lock. A lock that names no live initbench of this host (a dead
    /// process, or an empty or garbled file) is removed under an advisory lock on the folder,
    /// and only if it still holds what was judged stale, so two starters taking over the
    /// same stale lock cannot remove each other's fresh one.
    pub fn acquire(dir: &Path) -> Result<Lock> {
        let path = dir.join(NAME);
        let nonce = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let me = format!(
            "pid={}\nhost={}\nstarted={nonce}\n",
            std::process::id(),
            host()
        );
        let tmp = dir.join(format!("{NAME}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, &me).map_err(|e| Error::io(&tmp, e))?;
        let result = Self::link(dir, &path, &tmp);
        let _ = std::fs::remove_file(&tmp);
        result
    }

    fn link(dir: &Path, path: &Path, tmp: &Path) -> Result<Lock> {
        for _ in 0..3 {
            match std::fs::hard_link(tmp, path) {
                Ok(()) => {
                    return Ok(Lock {
                        path: path.to_path_buf(),
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(path).unwrap_or_default();
                    let field = |k: &str| {
                        text.lines()
                            .find_map(|l| l.strip_prefix(k).map(str::to_string))
                    };
                    let pid = field("pid=").and_then(|p| p.parse::<u32>().ok());
                    match (pid, field("host=")) {
                        (Some(pid), Some(their)) if their != host() => {
                            return Err(Error::Input(format!(
                                "{} is locked by process {pid} on host `{their}`; if that run is gone, delete {}",
                                dir.display(),
                                path.display()
                            )))
                        }
                        (Some(pid), Some(_)) if alive(pid) => {
                            return Err(Error::Input(format!(
                                "{} is being written by another initbench run (process {pid}); wait for it or choose another --out",
                                dir.display()
                            )))
                        }
                        (Some(pid), Some(_)) => eprintln!(
                            "initbench: taking over the stale lock of process {pid} on {}",
                            dir.display()
                        ),
                        _ => eprintln!(
                            "initbench: taking over {}, which names no process (empty or garbled)",
                            path.display()
                        ),
                    }
                    remove_if_unchanged(dir, path, &text)?;
                }
                Err(e) => return Err(Error::io(path, e)),
            }
        }
        Err(Error::Other(format!(
            "{}: could not take the lock",
            path.display()
        )))
    }
}

/// Removes the lock at `path` if it still reads `stale`, holding an advisory lock on `dir` so
/// that takeovers run one at a time.
fn remove_if_unchanged(dir: &Path, path: &Path, stale: &str) -> Result<()> {
    use std::os::fd::AsRawFd;
    let guard = std::fs::File::open(dir).map_err(|e| Error::io(dir, e))?;
    // SAFETY: flock on a descriptor this function owns; released when `guard` closes.
    if unsafe { libc::flock(guard.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(Error::io(dir, std::io::Error::last_os_error()));
    }
    match std::fs::read_to_string(path) {
        Ok(now) if now == stale => std::fs::remove_file(path).map_err(|e| Error::io(path, e)),
        // Gone, or replaced by a live run's lock: the next attempt sees which.
        _ => Ok(()),
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
        // Empty or garbled: no process to wait for.
        for junk in ["", "\0\0garbage", "pid=banana\n"] {
            std::fs::write(dir.join(NAME), junk).unwrap();
            let taken = Lock::acquire(&dir).unwrap();
            assert!(std::fs::read_to_string(dir.join(NAME))
                .unwrap()
                .starts_with("pid="));
            drop(taken);
        }
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "temporary files left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
