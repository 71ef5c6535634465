#!/usr/bin/env bash
# down.sh — stop what tests/slurm/up.sh started: cancel every job, wait for the queue to
# empty (slurmstepd outlives slurmd, so jobs must go first), then stop slurmd, slurmctld and
# munged if up.sh started it.  Processes are found by up.sh's PID files only, never by name.
# Idempotent.  FL_SLURM_DIR as for up.sh; FL_SLURM_PURGE=1 also deletes that directory.
set -uo pipefail

base=${FL_SLURM_DIR:-/tmp/flatline-slurm}
conf=$base/slurm.conf
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

alive() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]]
}
halt() {
    if alive "$1" "$2"; then
        local pid; pid=$(cat "$1")
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "slurm-down: $2 ($pid) still there after 10 s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null
        fi
        echo "slurm-down: stopped $2 ($pid)"
    fi
    rm -f "$1"
}

if alive "$base/run/slurmctld.pid" slurmctld && [[ -f $conf ]]; then
    export SLURM_CONF=$conf
    # Every job of this cluster is ours: it has no other users.
    timeout 10 scancel --full --quiet --partition=test 2>/dev/null
    for _ in $(seq 150); do
        [[ -z $(timeout 5 squeue -h -o %A 2>/dev/null) ]] && break
        sleep 0.2
    done
    left=$(timeout 5 squeue -h -o %i 2>/dev/null | tr '\n' ' ')
    [[ -z $left ]] || echo "slurm-down: jobs still listed after 30 s: $left"
fi
halt "$base/run/slurmd.pid" slurmd
halt "$base/run/slurmctld.pid" slurmctld
halt "$base/run/munged.pid" munged
if [[ -n ${FL_SLURM_PURGE:-} ]]; then rm -rf "$base"; fi
exit 0
