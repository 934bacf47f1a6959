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

/// Writes `run.sbatch`, `merge.sbatch` and `submit.sh` into `dir`. Paths in them are absolute
/// so the jobs can start anywhere on the cluster's shared file system. (`#SBATCH` lines are
/// not read by a shell, so the log path there goes unquoted.)
pub fn write(plan: &Plan, spec_file: &Path, req: &Request, dir: &Path) -> Result<Scripts> {
    if req.shards == 0 || req.cpus == 0 {
        return Err(Error::Input(
            "--shards and --cpus must be at least 1".into(),
        ));
    }
    let abs = |p: &Path| std::path::absolute(p).map_err(|e| Error::io(p, e));
    let exe = std::env::current_exe()
        .map_err(|e| Error::Other(format!("cannot find the initbench binary: {e}")))?;
    let spec = abs(spec_file)?;
    let cwd = abs(Path::new("."))?;
    let logs = abs(dir)?;
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
        "{head}#SBATCH --job-name=initbench-{name}\n#SBATCH --array=1-{n}\n#SBATCH --output={logs_raw}/%x-%a.out\n\
         # One shard of the sweep per array task; trials.csv of the merge is byte-identical to a\n\
         # single-machine run. A task that is killed and requeued resumes its shard.\n\
         set -euo pipefail\ncd {cwd}\n\
         exec {exe} run {spec} --shard \"${{SLURM_ARRAY_TASK_ID}}/{n}\" --threads \"${{SLURM_CPUS_PER_TASK:-{cpus}}}\" --out \"{shards}\"\n",
        logs_raw = logs.display(),
        cwd = q(&cwd),
        exe = q(&exe),
        spec = q(&spec),
        cpus = req.cpus,
        shards = shard_dir("${SLURM_ARRAY_TASK_ID}").display(),
    );
    let dirs: Vec<String> = (1..=n).map(|k| q(&shard_dir(&k.to_string()))).collect();
    let merge = format!(
        "#!/bin/bash\n#SBATCH --cpus-per-task=1\n{extra}#SBATCH --job-name=initbench-{name}-merge\n#SBATCH --output={logs_raw}/%x.out\n\
         set -euo pipefail\ncd {cwd}\nexec {exe} merge {dirs} --out {out}\n",
        extra = head.lines().skip(2).map(|l| format!("{l}\n")).collect::<String>(),
        logs_raw = logs.display(),
        cwd = q(&cwd),
        exe = q(&exe),
        dirs = dirs.join(" "),
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
    ] {
        let path = dir.join(file);
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        make_executable(&path)?;
    }
    Ok(Scripts {
        dir: dir.to_path_buf(),
        submit: dir.join("submit.sh"),
    })
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
