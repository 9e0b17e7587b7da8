#!/usr/bin/env bash
# Helpers shared by bench/run.sh, bench/smoke.sh and bench/profile.sh. Source it; it defines functions only.

# free_ports COUNT -> prints a port P such that P .. P+COUNT-1 are not used by any socket on this machine.
# Ports come from below the kernel's ephemeral range (net.ipv4.ip_local_port_range), so a port that is free
# now cannot be taken a moment later as the local port of some outgoing connection (or be held in TIME_WAIT
# by one), which is what "is anything listening there?" alone would miss.
free_ports() {
  local count=${1:-1} low=20000 high candidate p busy
  high=$(awk '{print $1 - 1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32767)
  (( high > low + count )) || high=$((low + 10000))
  for _ in $(seq 1 100); do
    candidate=$((low + RANDOM % (high - low - count)))
    busy=0
    for ((p = candidate; p < candidate + count; p++)); do
      if [[ -n "$(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null)" ]]; then busy=1; break; fi
    done
    (( busy == 0 )) && { echo "$candidate"; return 0; }
  done
  echo "no free port range of $count found below $high" >&2
  return 1
}

# wait_for_ping PORT PID [SECONDS] -> 0 once GET /ping on 127.0.0.1:PORT answers, 1 if PID exits or time runs out.
wait_for_ping() {
  local port=$1 pid=$2 seconds=${3:-30} i
  for ((i = 0; i < seconds * 5; i++)); do
    curl -fsS --max-time 1 "http://127.0.0.1:$port/ping" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# stop_pid PID -> SIGTERM, up to 10 s for a clean exit, then SIGKILL.
stop_pid() {
  local pid=$1
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}
