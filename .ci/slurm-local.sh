#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the Slurm tests: Debian's slurm-wlm and munge,
# munged + slurmctld + slurmd as root, with a minimal slurm.conf in $SLURM_LOCAL_DIR (not /etc).
#   .ci/slurm-local.sh start   # install if missing, start, wait until the node is idle
#   .ci/slurm-local.sh stop    # stop the daemons this script started
# Clients find the cluster through SLURM_CONF=$SLURM_LOCAL_DIR/slurm.conf (the tests read it too).
# Without systemd or writable cgroups: process tracking through /proc, no task or accounting plugins.
set -euo pipefail
dir=${SLURM_LOCAL_DIR:-/tmp/metalora-slurm}
conf=$dir/slurm.conf

die() { echo "slurm-local: $*" >&2; exit 1; }

start() {
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    [ "$(id -u)" = 0 ] || die "slurm-wlm and munge are not installed and this is not root"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge >"$dir.apt.log" 2>&1 \
      || { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge >"$dir.apt.log" 2>&1; } \
      || die "apt-get install slurm-wlm munge failed (see $dir.apt.log)"
  fi
  [ "$(id -u)" = 0 ] || die "the daemons run as root here; run as root"
  mkdir -p "$dir/state" "$dir/spool"

  # munge: a key (the package makes one; make it if missing) and the daemon, as the munge user.
  if ! munge -n </dev/null >/dev/null 2>&1; then
    if [ ! -s /etc/munge/munge.key ]; then
      mkdir -p /etc/munge
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    if id munge >/dev/null 2>&1; then
      chown munge:munge /etc/munge /etc/munge/munge.key /run/munge /var/log/munge /var/lib/munge
      chmod 0400 /etc/munge/munge.key
      runuser -u munge -- munged || die "munged did not start (see /var/log/munge/munged.log)"
    else
      chmod 0400 /etc/munge/munge.key
      munged --force || die "munged did not start (see /var/log/munge/munged.log)"
    fi
    touch "$dir/munged.ours"
    for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
    munge -n </dev/null >/dev/null 2>&1 || die "munge does not answer"
  fi

  local host mem cpus
  host=$(hostname -s)
  cpus=$(nproc)
  # RealMemory a little under what the node reports, or slurmd marks it invalid.
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
  cat >"$conf" <<CONF
ClusterName=metalora
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$conf
  stop_daemons
  slurmctld -c -f "$conf" || die "slurmctld did not start (see $dir/slurmctld.log)"
  slurmd -f "$conf" || die "slurmd did not start (see $dir/slurmd.log)"
  local state=""
  for _ in $(seq 60); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -n1 || true)
    [ "$state" = idle ] && break
    sleep 1
  done
  if [ "$state" != idle ]; then
    tail -n 5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
    die "the node is not idle after 60 s (state '${state:-none}')"
  fi
  echo "slurm-local: one node ($host, $cpus CPUs) idle; SLURM_CONF=$conf"
}

stop_daemons() {
  local name pid
  for name in slurmd slurmctld; do
    if [ -s "$dir/$name.pid" ]; then
      pid=$(cat "$dir/$name.pid")
      if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
      rm -f "$dir/$name.pid"
    fi
  done
}

stop() {
  stop_daemons
  if [ -f "$dir/munged.ours" ] && [ -s /run/munge/munged.pid ]; then
    kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
    rm -f "$dir/munged.ours"
  fi
  echo "slurm-local: stopped"
}

case "${1:-}" in
  start) mkdir -p "$dir"; start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
