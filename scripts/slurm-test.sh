#!/usr/bin/env bash
# End-to-end test of `initbench slurm` against a real single-node Slurm (22.05, Debian packages),
# set up by this script: install, start munge, slurmctld and slurmd, run
# experiments/smoke.toml as an array of 4 shards plus the merge job, and check that the merged
# trials.csv and curves.csv are byte for byte those of a plain local run.
#
# Skips itself (exit 0, "slurm-test: skipped (<reason>)") when the machine cannot run Slurm: not
# root, no apt-get, packages not installable (no network), another Slurm already here, or the
# daemons will not start. Once Slurm is up, every failure exits non-zero. Idempotent: safe to run
# again; it stops the daemons it started (by the PIDs in their pid files) however it exits.
#
#   bash scripts/slurm-test.sh            # from the repository root (or anywhere)
#   KEEP=1 bash scripts/slurm-test.sh     # keep the scratch folder for a look afterwards
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
t0=$SECONDS

skip() {
    echo "slurm-test: skipped ($*)"
    exit 0
}
fail() {
    echo "slurm-test: FAILED ($*)" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || skip "not root"
command -v apt-get >/dev/null 2>&1 || skip "apt-get is unavailable"

MARK="# Written by initbench scripts/slurm-test.sh"
CONF=/etc/slurm/slurm.conf
if [ -e "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    skip "$CONF exists and was not written by this script; not touching a real Slurm"
fi
alive() { # alive PIDFILE: the process in the pid file is running
    [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}
alive /run/slurmctld.pid && skip "slurmctld is already running"
alive /run/slurmd.pid && skip "slurmd is already running"

# ---- install ------------------------------------------------------------------------------
pkgs=(slurmctld slurmd slurm-client munge)
installed() {
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || return 1
    done
}
if ! installed; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || skip "apt-get update failed (no network?)"
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/tmp/slurm-test-apt.log 2>&1 ||
        skip "cannot install ${pkgs[*]} (see /tmp/slurm-test-apt.log)"
    installed || skip "packages did not install"
fi

# ---- start the daemons ----------------------------------------------------------------------
started=() # pid files of the daemons this script started, stopped on exit
work=""
cleanup() {
    local i f pid
    for ((i = ${#started[@]} - 1; i >= 0; i--)); do # slurmd, slurmctld, then munged
        f=${started[i]}
        [ -s "$f" ] || continue
        pid=$(cat "$f")
        kill "$pid" 2>/dev/null || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    done
    if [ -n "$work" ] && [ -z "${KEEP:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Failing to start is taken as the machine's doing (a sandbox without the rights munge or
# slurmd need, say): skip, but show the daemon's log so a broken config does not go unseen.
no_start() {
    echo "slurm-test: $1 did not start; last lines of $2:" >&2
    tail -n 20 "$2" >&2 2>/dev/null
    skip "$1 would not start on this machine"
}

install -d -o munge -g munge -m 755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    mungekey -c >/dev/null 2>&1 || skip "cannot create a munge key"
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
fi
MUNGE_PID=/run/munge/munged.pid
if ! alive "$MUNGE_PID"; then
    runuser -u munge -- /usr/sbin/munged >/tmp/slurm-test-munged.log 2>&1 ||
        no_start munged /tmp/slurm-test-munged.log
    started+=("$MUNGE_PID")
fi
munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || skip "munge does not work here"

install -d -o slurm -g slurm /var/spool/slurmctld /var/log/slurm
install -d /var/spool/slurmd
host=$(hostname -s)
cpu_line=$(slurmd -C 2>/dev/null | head -n 1)
# `slurmd -C`: NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 ... RealMemory=7937
mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$cpu_line")
node=$(grep -o 'CPUs=[0-9]* \|SocketsPerBoard=[0-9]* \|CoresPerSocket=[0-9]* \|ThreadsPerCore=[0-9]* ' <<<"$cpu_line " | tr -d '\n')
[ -n "$mem" ] && [ -n "$node" ] || skip "slurmd -C printed no node description: $cpu_line"
mem=$((mem * 9 / 10))
cat >"$CONF" <<EOF
$MARK; rewritten on every run.
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
MailProg=/bin/true
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SchedulerParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$host ${node}RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

/usr/sbin/slurmctld >/dev/null 2>&1 || no_start slurmctld /var/log/slurm/slurmctld.log
for _ in $(seq 50); do [ -s /run/slurmctld.pid ] && break; sleep 0.1; done
started+=(/run/slurmctld.pid)
/usr/sbin/slurmd >/dev/null 2>&1 || no_start slurmd /var/log/slurm/slurmd.log
for _ in $(seq 50); do [ -s /run/slurmd.pid ] && break; sleep 0.1; done
started+=(/run/slurmd.pid)

state=""
for _ in $(seq 60); do
    state=$(sinfo -h -o %t 2>/dev/null | head -n 1)
    [ "$state" = idle ] && break
    sleep 1
done
if [ "$state" != idle ]; then
    echo "slurm-test: the node is '$state' after 60 s; slurmctld log:" >&2
    tail -n 20 /var/log/slurm/slurmctld.log >&2
    skip "Slurm started but its node never became idle"
fi

up_s=$((SECONDS - t0))

# ---- from here on Slurm is up: every failure is a failure ----------------------------------
t_build=$SECONDS
# The dev profile's binary as `cargo test` builds it (with the dev-dependencies' features),
# so nothing builds again after `cargo test` (as in .ci/run): a release build took CI five
# more minutes and a third more disk, for a smoke run.
cargo build --tests --quiet || fail "cargo build --tests"
build_s=$((SECONDS - t_build))
exe=$repo/target/debug/initbench
work=$(mktemp -d /tmp/slurm-test.XXXXXX)
chmod 755 "$work"
cp experiments/smoke.toml "$work/"
cd "$work" || fail "cd $work"
"$exe" slurm smoke.toml --shards 4 --cpus 1 >slurm.out || fail "initbench slurm"
submitted=$(bash results/smoke-slurm/submit.sh) || fail "submit.sh: $submitted"
# "array job 12, merge job 13"
read -r array merge < <(sed -n 's/^array job \([0-9]*\), merge job \([0-9]*\)$/\1 \2/p' <<<"$submitted")
[ -n "${array:-}" ] && [ -n "${merge:-}" ] || fail "cannot read the job ids from: $submitted"

t_jobs=$SECONDS
for _ in $(seq 300); do
    queue=$(squeue -h -j "$array,$merge" -o '%i %T %r' 2>/dev/null)
    [ -z "$queue" ] && break
    if grep -q DependencyNeverSatisfied <<<"$queue"; then
        fail "an array task failed, so the merge will never run: $queue"
    fi
    sleep 1
done
[ -z "$queue" ] || fail "jobs still queued after 5 min: $queue"
jobs_s=$((SECONDS - t_jobs))

# No accounting database (AccountingStorageType=accounting_storage/none), so sacct cannot
# say whether the jobs succeeded; the logs and the merged folder must.
if sacct -n -j "$array" >/dev/null 2>&1; then
    fail "sacct answered, but this cluster was set up without accounting"
fi
logs=results/smoke-slurm
show_logs() { tail -n 5 "$logs"/*.out >&2 2>/dev/null; }
merged=results/smoke
[ -f "$merged/manifest.json" ] || { show_logs; fail "no $merged/manifest.json: the merge did not run"; }
grep -Eq '"state": *"complete"' "$merged/manifest.json" ||
    { show_logs; fail "$merged/manifest.json is not complete"; }
for k in 1 2 3 4; do
    [ -d "results/smoke-shard-$k-of-4" ] || fail "shard $k wrote no folder"
done

"$exe" run smoke.toml --out local --threads 1 >local.out 2>&1 || fail "local run: $(cat local.out)"
for f in trials.csv curves.csv; do
    cmp "$merged/$f" "local/$f" || fail "$f of the Slurm merge differs from the local run"
done
rows=$(($(wc -l <"$merged/trials.csv") - 1))

echo "slurm-test: passed (array job $array, 4 shards, and merge job $merge on $host: $rows trials, trials.csv and curves.csv identical to a local run; Slurm up in $up_s s, build $build_s s, jobs $jobs_s s, $((SECONDS - t0)) s in all)"
