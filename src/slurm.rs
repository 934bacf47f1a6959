//! `initbench slurm`: batch scripts that run one sweep as a Slurm array, one shard per task,
//! and merge the shards when every task has succeeded.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::run::default_dir;

/// What the scripts ask of Slurm.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub shards: u32,
    pub partition: Option<String>,
    pub time: Option<String>,
    pub cpus: u32,
}

/// The files written: the array script, the merge script and a submit script.
pub struct Scripts {
    pub dir: PathBuf,
    pub submit: PathBuf,
}

/// Writes `run.sbatch`, `merge.sbatch` (which reads the shard folders from `shards.txt`, so no
/// command line grows with the shard count) and `submit.sh` into `dir`. Paths in them are absolute
/// so the jobs can start anywhere on the cluster's shared file system. (`#SBATCH` lines are
/// not read by a shell; sbatch takes the log path there in double quotes.)
pub fn write(plan: &Plan, spec_file: &Path, req: &Request, dir: &Path) -> Result<Scripts> {
    if req.shards == 0 || req.cpus == 0 {
        return Err(Error::Input(
            "--shards and --cpus must be at least 1".into(),
        ));
    }
    if req.cpus > MAX_CPUS {
        return Err(Error::Input(format!(
            "--cpus must be at most {MAX_CPUS}, got {}",
            req.cpus
        )));
    }
    if let Some(p) = &req.partition {
        check_partition(p)?;
    }
    if let Some(t) = &req.time {
        check_time(t)?;
    }
    let abs = |p: &Path| std::path::absolute(p).map_err(|e| Error::io(p, e));
    let exe = std::env::current_exe()
        .map_err(|e| Error::Other(format!("cannot find the initbench binary: {e}")))?;
    let spec = abs(spec_file)?;
    let cwd = abs(Path::new("."))?;
    let logs = abs(dir)?;
    for p in [&exe, &spec, &cwd, &logs] {
        check_path(p)?;
    }
    let name = &plan.spec.name;
    let n = req.shards;
    let shard_dir = |k: &str| {
        cwd.join(default_dir(plan, None))
            .with_file_name(format!("{name}-shard-{k}-of-{n}"))
    };
    let mut head = format!("#!/bin/bash\n#SBATCH --cpus-per-task={}\n", req.cpus);
    if let Some(p) = &req.partition {
        head.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    if let Some(t) = &req.time {
        head.push_str(&format!("#SBATCH --time={t}\n"));
    }
    let run = format!(
        "{head}#SBATCH --job-name=initbench-{name}\n#SBATCH --array=1-{n}\n#SBATCH --output={logs_raw}\n\
         # One shard of the sweep per array task; trials.csv of the merge is byte-identical to a\n\
         # single-machine run. A task that is killed and requeued resumes its shard.\n\
         set -euo pipefail\ncd {cwd}\n\
         exec {exe} run {spec} --shard \"${{SLURM_ARRAY_TASK_ID}}/{n}\" --threads \"${{SLURM_CPUS_PER_TASK:-{cpus}}}\" --out {shards}\n",
        logs_raw = sbatch_output(&logs, "%x-%a.out"),
        cwd = q(&cwd),
        exe = q(&exe),
        spec = q(&spec),
        cpus = req.cpus,
        // Quoted in pieces, so the task id expands and nothing else in the path does.
        shards = q(&shard_dir("\u{0}"))
            .replace('\u{0}', "'\"${SLURM_ARRAY_TASK_ID}\"'"),
    );
    let list = logs.join("shards.txt");
    let dirs: String = (1..=n)
        .map(|k| format!("{}\n", shard_dir(&k.to_string()).display()))
        .collect();
    let merge = format!(
        "#!/bin/bash\n#SBATCH --cpus-per-task=1\n{extra}#SBATCH --job-name=initbench-{name}-merge\n#SBATCH --output={logs_raw}\n\
         set -euo pipefail\ncd {cwd}\nexec {exe} merge --list {list} --out {out}\n",
        extra = head.lines().skip(2).map(|l| format!("{l}\n")).collect::<String>(),
        logs_raw = sbatch_output(&logs, "%x.out"),
        cwd = q(&cwd),
        exe = q(&exe),
        list = q(&list),
        out = q(&cwd.join(default_dir(plan, None))),
    );
    let submit = "#!/bin/bash\n# Submits the array, then the merge to run once every array task has succeeded.\n\
                  set -euo pipefail\ncd \"$(dirname \"$0\")\"\n\
                  array=$(sbatch --parsable run.sbatch)\n\
                  merge=$(sbatch --parsable --dependency=afterok:\"${array%%;*}\" merge.sbatch)\n\
                  echo \"array job ${array%%;*}, merge job ${merge%%;*}\"\n";
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    for (file, text) in [
        ("run.sbatch", run.as_str()),
        ("merge.sbatch", merge.as_str()),
        ("submit.sh", submit),
        ("shards.txt", dirs.as_str()),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        if file != "shards.txt" {
            make_executable(&path)?;
        }
    }
    Ok(Scripts {
        dir: dir.to_path_buf(),
        submit: dir.join("submit.sh"),
    })
}

/// Most CPUs a task may ask for: more than any node has, a bound against typos.
const MAX_CPUS: u32 = 4096;

/// A partition name, or a comma-separated list of them, as Slurm spells them.
fn check_partition(p: &str) -> Result<()> {
    let word = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    match p.split(',').all(word) {
        true => Ok(()),
        false => Err(Error::Input(format!(
            "--partition: `{}` is not a Slurm partition name (letters, digits, '-', '_', '.', comma-separated)",
            p.escape_debug()
        ))),
    }
}

/// A time limit in one of sbatch's forms: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`,
/// or `UNLIMITED`/`INFINITE`.
fn check_time(t: &str) -> Result<()> {
    let num = |s: &str| !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match t.split_once('-') {
        _ if t == "UNLIMITED" || t == "INFINITE" => true,
        Some((days, rest)) => {
            let parts: Vec<&str> = rest.split(':').collect();
            num(days) && parts.len() <= 3 && parts.iter().all(|p| num(p))
        }
        None => {
            let parts: Vec<&str> = t.split(':').collect();
            parts.len() <= 3 && parts.iter().all(|p| num(p))
        }
    };
    match ok {
        true => Ok(()),
        false => Err(Error::Input(format!(
            "--time: `{}` is not a Slurm time limit (M, M:S, H:M:S, D-H, D-H:M or D-H:M:S, e.g. 2:00:00)",
            t.escape_debug()
        ))),
    }
}

/// Paths go into scripts and `#SBATCH` lines; a line break or a double quote cannot be
/// written into either safely.
fn check_path(p: &Path) -> Result<()> {
    let text = p.display().to_string();
    match text.contains(['\n', '\r', '"']) {
        true => Err(Error::Input(format!(
            "{}: a path with a line break or a double quote cannot go into a Slurm script",
            text.escape_debug()
        ))),
        false => Ok(()),
    }
}

/// The `#SBATCH --output` value for `file` (a Slurm pattern) in `dir`: sbatch reads it without
/// a shell, takes double quotes, and expands `%` patterns, so a `%` of the path is doubled.
fn sbatch_output(dir: &Path, file: &str) -> String {
    format!(
        "\"{}/{file}\"",
        dir.display().to_string().replace('%', "%%")
    )
}

/// Single-quotes a path for bash.
fn q(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perm = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .permissions();
    perm.set_mode(0o755);
    std::fs::set_permissions(path, perm).map_err(|e| Error::io(path, e))
}
