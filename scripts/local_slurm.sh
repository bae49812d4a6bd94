#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for trying launcher=slurm and for the tests that
# submit real jobs (tests/slurm_cluster.py). Run as root; Debian's slurm-wlm and munge are
# installed when missing (apt-get).
#
#   sudo scripts/local_slurm.sh start     # munged, slurmctld, slurmd; waits for an idle node
#   export SLURM_CONF=/tmp/litlab-slurm/slurm.conf
#   sinfo; python train.py -m launcher=slurm_cpu seed=1,2
#   sudo scripts/local_slurm.sh stop      # stops the daemons it started
#
# LITLAB_SLURM_DIR (default /tmp/litlab-slurm) holds the config, state, logs and pid files.
set -euo pipefail
DIR="${LITLAB_SLURM_DIR:-/tmp/litlab-slurm}"
NODE="$(hostname)"
CPUS="$(nproc)"
MEMORY_MB="$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)"
export SLURM_CONF="$DIR/slurm.conf"

install() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null &&
    return
  if ! command -v apt-get >/dev/null; then
    echo "local_slurm: slurmctld, slurmd or munged missing and no apt-get to install them" >&2
    exit 1
  fi
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    slurm-wlm munge; } >"$DIR/apt.log" 2>&1 ||
    { echo "local_slurm: apt-get install slurm-wlm munge failed ($DIR/apt.log)" >&2; exit 1; }
}

write_config() {
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"
  cat >"$SLURM_CONF" <<EOF
ClusterName=litlab
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
JobRequeue=1
SchedulerType=sched/backfill
# schedule every second or two, not every minute: a requeued job starts soon after it may
SchedulerParameters=bf_interval=1,sched_interval=2
# a job that asks for more than a node has is refused at submission, not left pending
EnforcePartLimits=ALL
MessageTimeout=30
KillWait=10
SlurmdTimeout=60
InactiveLimit=0
MinJobAge=600
NodeName=$NODE CPUs=$CPUS RealMemory=$MEMORY_MB State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
# a partition with a one-minute limit, to see sbatch refuse a longer job
PartitionName=short Nodes=$NODE MaxTime=1 State=UP
EOF
}

running() {
  [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null
}

start() {
  if [ "$(id -u)" != 0 ]; then
    echo "local_slurm: run as root (slurmd starts every job's processes)" >&2
    exit 1
  fi
  mkdir -p "$DIR"
  install
  write_config
  if ! running munged; then
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    [ -s /etc/munge/munge.key ] ||
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    chmod 400 /etc/munge/munge.key
    munged --force --pid-file="$DIR/munged.pid" --log-file="$DIR/log/munged.log"
  fi
  running slurmctld || slurmctld -i
  running slurmd || slurmd
  for _ in $(seq 60); do
    if sinfo --noheader --format=%t 2>/dev/null | grep -qx idle; then
      echo "local_slurm: node $NODE idle ($CPUS CPUs); export SLURM_CONF=$SLURM_CONF"
      sinfo
      return
    fi
    sleep 1
  done
  echo "local_slurm: the node never became idle; see $DIR/log/" >&2
  sinfo >&2 || true
  exit 1
}

stop() {
  for daemon in slurmd slurmctld munged; do
    if running "$daemon"; then
      kill "$(cat "$DIR/$daemon.pid")"
    fi
  done
  for _ in $(seq 20); do
    running slurmd || running slurmctld || running munged || return 0
    sleep 0.5
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
