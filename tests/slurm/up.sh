#!/usr/bin/env bash
# up.sh — a throw-away single-node Slurm for tests/test-slurm.sh (and for trying
# `flatline slurm` by hand): slurmctld and slurmd on 127.0.0.1 with a configuration of its
# own under $FL_SLURM_DIR, so the machine's /etc/slurm is never touched.  Debian 12, root,
# no systemd: every daemon is started by hand and found again through its PID file.
#
#   bash tests/slurm/up.sh              # install what is missing, start, wait for the node
#   export SLURM_CONF=$FL_SLURM_DIR/slurm.conf   # what sbatch/squeue/scancel then need
#
# Settings (environment):
#   FL_SLURM_DIR=/tmp/flatline-slurm   configuration, state, logs and PID files
#   FL_SLURM_AUTH=auto|munge|none      auto: munge if munged runs or starts, else auth/none
#   FL_SLURM_PORT=16817                slurmctld's port; slurmd listens on the next one
#   FL_SLURM_TIMEOUT=60                seconds to wait for the node to become idle
#   FL_SLURM_NO_INSTALL=1              fail rather than run apt-get
#
# Idempotent: run twice, the second finds its daemons and only waits for the node again
# (it restarts them if the configuration it would write has changed).  Loopback only.
# Success: exit 0 and a last line "READY ...".  Stop with tests/slurm/down.sh.
set -euo pipefail

base=${FL_SLURM_DIR:-/tmp/flatline-slurm}
auth=${FL_SLURM_AUTH:-auto}
port=${FL_SLURM_PORT:-16817}
timeout=${FL_SLURM_TIMEOUT:-60}
conf=$base/slurm.conf
packages="slurmctld slurmd slurm-client munge"
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

say() { echo "slurm-up: $*"; }
fail() { echo "slurm-up: $*" >&2; exit 1; }

# alive PIDFILE NAME: the file names a live process called NAME (not a recycled PID).
alive() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]]
}
# halt PIDFILE NAME: TERM, up to 10 s, then KILL; only the process the file names.
halt() {
    if alive "$1" "$2"; then
        local pid; pid=$(cat "$1")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$1"
}

[[ $(id -u) == 0 ]] || fail "needs root (it installs packages and starts daemons)"
[[ $auth == auto || $auth == munge || $auth == none ]] || fail "FL_SLURM_AUTH: auto, munge or none"
[[ $port =~ ^[0-9]+$ ]] || fail "FL_SLURM_PORT: a port number"

mkdir -p "$base"/{run,log,state,spool}

# 1. Packages.  Without recommends: the slurm-wlm metapackage and recommends pull in
# dozens of plugins and -dev packages a single node does not need (PMIx included: it is
# loaded only for MpiDefault=pmix).
missing=0
for prog in slurmctld slurmd sbatch squeue scancel sinfo munge munged; do
    command -v "$prog" >/dev/null || missing=1
done
if [[ $missing == 1 ]]; then
    [[ -z ${FL_SLURM_NO_INSTALL:-} ]] || fail "Slurm or munge is not installed"
    say "installing $packages"
    export DEBIAN_FRONTEND=noninteractive
    apt="apt-get -q -y -o DPkg::Lock::Timeout=600"
    # shellcheck disable=SC2086
    if ! $apt install --no-install-recommends $packages >"$base/log/apt.log" 2>&1; then
        $apt update >>"$base/log/apt.log" 2>&1 || true
        $apt install --no-install-recommends $packages >>"$base/log/apt.log" 2>&1 ||
            { tail -5 "$base/log/apt.log" >&2; fail "apt-get install failed (log: $base/log/apt.log)"; }
    fi
fi

# 2. Authentication.  munged runs as its own user and insists on owners and modes; the
# package's scripts cannot start it here.  A munged running already (ours or not) is used.
munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
start_munged() {
    command -v munged >/dev/null || return 1
    halt "$base/run/munged.pid" munged
    install -d -o munge -g munge -m 0700 /etc/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile=/etc/munge/munge.key
        else
            head -c 1024 /dev/urandom >/etc/munge/munge.key
        fi
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0711 /var/lib/munge
    install -d -o munge -g munge -m 0700 /var/log/munge
    # A socket left by a dead munged makes the new one refuse to start.
    if ! alive /run/munge/munged.pid munged; then
        rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock /run/munge/munged.pid
    fi
    runuser -u munge -- munged --force 2>>"$base/log/munged.err" || return 1
    for _ in $(seq 50); do munge_works && break; sleep 0.1; done
    munge_works || return 1
    cp /run/munge/munged.pid "$base/run/munged.pid" # down.sh stops only a munged we started
}
if [[ $auth != none ]]; then
    if munge_works || start_munged; then
        auth=munge
    elif [[ $auth == auto ]]; then
        say "munged will not start; using auth/none (loopback only)"
        auth=none
    else
        fail "munged will not start (see /var/log/munge/munged.log)"
    fi
fi

# 3. The configuration.  The node is described by `slurmd -C`, i.e. as slurmd will find
# it, so it is never drained for a CPU or memory mismatch.  cons_tres + CR_Core hands out
# single cores, so array tasks share the machine; the scheduler settings start the next
# wave of tasks at once rather than seconds later.
host=$(hostname -s)
node=$(slurmd -C 2>/dev/null | head -1)
[[ $node == NodeName=* ]] || fail "slurmd -C did not describe the node: $node"
node=$(sed -E "s/^NodeName=[^ ]+/NodeName=$host/; s/ UpTime=[^ ]*//" <<<"$node")
text="# flatline test cluster (tests/slurm/up.sh)
ClusterName=flatline
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/$auth
CredType=cred/$auth
StateSaveLocation=$base/state
SlurmdSpoolDir=$base/spool
SlurmctldPidFile=$base/run/slurmctld.pid
SlurmdPidFile=$base/run/slurmd.pid
SlurmctldLogFile=$base/log/slurmctld.log
SlurmdLogFile=$base/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
MaxArraySize=100001
MaxJobCount=200000
MinJobAge=60
KillWait=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP"

if [[ ! -f $conf || $(cat "$conf") != "$text" ]]; then
    if alive "$base/run/slurmctld.pid" slurmctld || alive "$base/run/slurmd.pid" slurmd; then
        say "configuration changed: restarting the daemons"
        halt "$base/run/slurmd.pid" slurmd
        halt "$base/run/slurmctld.pid" slurmctld
    fi
    printf '%s\n' "$text" >"$conf.tmp"
    mv "$conf.tmp" "$conf"
fi
export SLURM_CONF=$conf

# 4. The daemons (each forks into the background and writes its PID file).
alive "$base/run/slurmctld.pid" slurmctld || slurmctld -f "$conf" -i
alive "$base/run/slurmd.pid" slurmd || slurmd -f "$conf" -N "$host"

# 5. Wait for the node: "idle*" or "unknown" means slurmd has not reported in yet.
state=
for _ in $(seq $((timeout * 5))); do
    state=$(timeout -k 2 10 sinfo -h -N -n "$host" -o %T 2>/dev/null | head -1 || true)
    case $state in idle | mixed | allocated) break ;; esac
    sleep 0.2
done
case $state in
idle | mixed | allocated) ;;
*)
    tail -n 15 "$base/log/slurmctld.log" "$base/log/slurmd.log" >&2 2>/dev/null || true
    fail "node $host is '$state' after ${timeout}s"
    ;;
esac
say "READY node=$host state=$state auth=$auth SLURM_CONF=$conf"
