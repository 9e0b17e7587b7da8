#!/usr/bin/env bash
# One command for the whole benchmark: installs what is missing, builds Release, runs every scenario against
# ActorPush and the three baselines (server pinned to CPU 0, load tool to CPU 1), and writes
# bench/results/<timestamp>/{results.json, summary.md, chart.svg, *.json, *.txt}.
# A full run also copies the summary into docs/performance.md.
#
#   bench/run.sh                 full benchmark (~20-30 min on 2 cores)
#   bench/run.sh --quick         small numbers, every server and scenario (a few minutes)
#   options: --servers actorpush,kestrel-plain,go-original,node-ws   --scenarios fanout-2k,idle,...
#            (scenario cluster: ActorPush only, the same fan-out against 1 node and a 2- and 3-node cluster, every
#            node pinned to CPU 0; alone: bench/run.sh --scenarios cluster --servers actorpush)
#            (also actorpush-nometrics: ActorPush with actorpush.metrics.enabled = off, to measure what metrics cost)
#            --repeat N (runs of the target scenarios fanout-2k, fanout-10k and idle for ActorPush and plain
#            Kestrel, and storm for ActorPush and the Go original, interleaved, reported by their median;
#            default 3 in full mode, 1 in quick mode)
#            --no-install  --no-docs  --docs (also update docs in quick mode)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. "$ROOT/bench/lib.sh"

MODE=full
SERVERS="actorpush,kestrel-plain,go-original,node-ws"
SCENARIOS="fanout-2k,fanout-10k,latency,idle,storm,churn,slow-ref,slow,cluster"
INSTALL=1
DOCS=auto
REPEAT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) MODE=quick ;;
    --servers) SERVERS="$2"; shift ;;
    --scenarios) SCENARIOS="$2"; shift ;;
    --repeat) REPEAT="$2"; shift ;;
    --no-install) INSTALL=0 ;;
    --no-docs) DOCS=no ;;
    --docs) DOCS=yes ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ "$DOCS" == auto ]] && { [[ "$MODE" == full ]] && DOCS=yes || DOCS=no; }
[[ -n "$REPEAT" ]] || { [[ "$MODE" == full ]] && REPEAT=3 || REPEAT=1; }
[[ "$REPEAT" =~ ^[1-9]$ ]] || { echo "--repeat takes 1..9" >&2; exit 2; }

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/results/$STAMP"
mkdir -p "$OUT"
LOG="$OUT/run.log"
log() { echo "[bench $(date -u +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }

# ---------------------------------------------------------------- prerequisites
need_apt=()
command -v go >/dev/null 2>&1 || need_apt+=(golang-go)
[[ -d /usr/share/gocode/src/golang.org/x/net/websocket ]] || need_apt+=(golang-golang-x-net-dev)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v taskset >/dev/null 2>&1 || need_apt+=(util-linux)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
if [[ ${#need_apt[@]} -gt 0 ]]; then
  if [[ $INSTALL -eq 1 ]]; then
    log "installing ${need_apt[*]} (apt)"
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need_apt[@]}" >>"$LOG" 2>&1
  else
    log "missing ${need_apt[*]} and --no-install given"; exit 1
  fi
fi
if [[ ! -d bench/node-ws/node_modules/ws ]]; then
  log "npm ci in bench/node-ws"
  (cd bench/node-ws && npm ci --no-audit --no-fund --silent) >>"$LOG" 2>&1
fi

CPUS=$(nproc)
if [[ $CPUS -lt 2 ]]; then log "need at least 2 CPUs for pinning (have $CPUS)"; exit 1; fi
FD_LIMIT=$(ulimit -n)

# ---------------------------------------------------------------- build
log "building Release"
dotnet build -c Release src/ActorPush.Host/ActorPush.Host.csproj -nologo -v q >>"$LOG" 2>&1
dotnet build -c Release src/ActorPush.LoadTest/ActorPush.LoadTest.csproj -nologo -v q >>"$LOG" 2>&1
dotnet build -c Release bench/KestrelBaseline/KestrelBaseline.csproj -nologo -v q >>"$LOG" 2>&1
mkdir -p bench/go-original/bin
(cd bench/go-original && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE="${GOCACHE:-/tmp/actorpush-gocache}" \
  go build -o bin/go-original .) >>"$LOG" 2>&1
LT="$ROOT/src/ActorPush.LoadTest/bin/Release/net10.0/ActorPush.LoadTest"
HOST_DIR="$ROOT/src/ActorPush.Host/bin/Release/net10.0"
KB_DIR="$ROOT/bench/KestrelBaseline/bin/Release/net10.0"

# ---------------------------------------------------------------- machine description
{
  echo "{"
  echo "  \"timestamp\": \"$STAMP\","
  echo "  \"mode\": \"$MODE\","
  echo "  \"cpuModel\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//;s/"/\\"/g')\","
  echo "  \"cpus\": $CPUS,"
  echo "  \"memTotalKiB\": $(awk '/MemTotal/ {print $2}' /proc/meminfo),"
  echo "  \"kernel\": \"$(uname -r)\","
  echo "  \"os\": \"$(. /etc/os-release && echo "$PRETTY_NAME")\","
  echo "  \"dotnet\": \"$(dotnet --version)\","
  echo "  \"go\": \"$(go version | awk '{print $3}')\","
  echo "  \"node\": \"$(node --version)\","
  echo "  \"ws\": \"$(node -p "require('./bench/node-ws/node_modules/ws/package.json').version")\","
  echo "  \"fdLimit\": $FD_LIMIT,"
  echo "  \"gitCommit\": \"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\","
  echo "  \"loadAvgBefore\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
  echo "  \"loadAvgAfter\": \"@LOADAVG_AFTER@\""
  echo "}"
} >"$OUT/meta.json"

# ---------------------------------------------------------------- servers
# PORT_BASE+0..4: one port per server; +5..+7: the cluster scenario's HTTP ports, +8..+10 its remoting ports.
PORT_BASE=$(free_ports 11)
NOMETRICS_CONF="$OUT/actorpush-nometrics.conf"
echo "actorpush.metrics.enabled = off" >"$NOMETRICS_CONF"
SERVER_PID=""
server_port() {
  case "$1" in actorpush) echo $((PORT_BASE));; kestrel-plain) echo $((PORT_BASE + 1));;
    go-original) echo $((PORT_BASE + 2));; node-ws) echo $((PORT_BASE + 3));; actorpush-nometrics) echo $((PORT_BASE + 4));; esac
}
start_server() { # name -> sets SERVER_PID, waits for /ping
  local name=$1 port; port=$(server_port "$1")
  case "$name" in
    # Both .NET servers run with the GC setting ActorPush's deployment files use (deploy/actorpush.service,
    # launchSettings.json): a 4 MiB gen0 budget, so idle RSS measures connections, not GC slack.
    actorpush)     (cd "$HOST_DIR" && DOTNET_GCgen0size=0x400000 exec taskset -c 0 ./ActorPush.Host --urls "http://127.0.0.1:$port") >>"$OUT/$name.server.log" 2>&1 & ;;
    actorpush-nometrics) (cd "$HOST_DIR" && ACTORPUSH_CONFIG="$NOMETRICS_CONF" DOTNET_GCgen0size=0x400000 exec taskset -c 0 ./ActorPush.Host --urls "http://127.0.0.1:$port") >>"$OUT/$name.server.log" 2>&1 & ;;
    kestrel-plain) (cd "$KB_DIR" && DOTNET_GCgen0size=0x400000 exec taskset -c 0 ./KestrelBaseline --urls "http://127.0.0.1:$port") >>"$OUT/$name.server.log" 2>&1 & ;;
    go-original)   (exec taskset -c 0 "$ROOT/bench/go-original/bin/go-original" -addr "127.0.0.1:$port") >>"$OUT/$name.server.log" 2>&1 & ;;
    node-ws)       (exec taskset -c 0 node "$ROOT/bench/node-ws/server.js" "$port" 127.0.0.1) >>"$OUT/$name.server.log" 2>&1 & ;;
    *) log "unknown server $name"; return 1 ;;
  esac
  SERVER_PID=$!
  if wait_for_ping "$port" "$SERVER_PID" 30; then sleep 1; return 0; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then log "$name exited during start (see $name.server.log)"; return 1; fi
  log "$name did not answer /ping in 30 s"; stop_server; return 1
}
stop_server() {
  [[ -z "$SERVER_PID" ]] && return 0
  stop_pid "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
# The cluster scenario: N ActorPush processes of this build, ALL pinned to CPU 0 like the single server, so one node
# and a cluster get the same CPU budget and the comparison shows what the cluster's own work costs. N=1 is a plain
# single node (no seeds: the default deployment, no remoting port); N>1 join one cluster (the first node is the seed).
# Every node of this scenario, the single one too, runs with the thread pool's spin-wait off: with all of them on one
# core, a worker spinning for work only delays the thread (often in another node) that would produce it. Measured at
# c10824a: with spinning, 1 node 1.49 M and 2 nodes 1.28 M deliveries/s (0.86x); without, 1.75 M and 1.69 M (0.96x).
CLUSTER_NODE_ENV=(DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0)
CLUSTER_PIDS=()
CLUSTER_URLS=""
cluster_http() { echo $((PORT_BASE + 5 + $1)); }
start_cluster() { # N -> sets CLUSTER_PIDS and CLUSTER_URLS, waits until node 0 sees N members up, each answering
  local n=$1 i http env_seed
  CLUSTER_PIDS=(); CLUSTER_URLS=""
  for ((i = 0; i < n; i++)); do
    http=$(cluster_http "$i")
    env_seed=()
    [[ $n -gt 1 ]] && env_seed=(ACTORPUSH_CLUSTER_SEEDS="127.0.0.1:$((PORT_BASE + 8))" ACTORPUSH_CLUSTER_HOSTNAME=127.0.0.1
      ACTORPUSH_CLUSTER_PORT=$((PORT_BASE + 8 + i)))
    (cd "$HOST_DIR" && exec env "${env_seed[@]}" "${CLUSTER_NODE_ENV[@]}" DOTNET_GCgen0size=0x400000 taskset -c 0 ./ActorPush.Host --urls "http://127.0.0.1:$http") \
      >>"$OUT/cluster-${n}n-node$i.server.log" 2>&1 &
    CLUSTER_PIDS+=("$!")
    CLUSTER_URLS+="${CLUSTER_URLS:+,}ws://127.0.0.1:$http/im"
  done
  for ((i = 0; i < n; i++)); do
    if ! wait_for_ping "$(cluster_http "$i")" "${CLUSTER_PIDS[$i]}" 30; then
      log "cluster node $i of $n did not start (see cluster-${n}n-node$i.server.log)"; stop_cluster; return 1
    fi
  done
  local stats
  for _ in $(seq 1 300); do
    stats=$(curl -fsS --max-time 2 "http://127.0.0.1:$(cluster_http 0)/api/stats" 2>/dev/null || true)
    if [[ $stats == *"\"nodes\":$n,"* && $stats == *'"unanswered":[]'* && $(grep -o '"node":' <<<"$stats" | wc -l) -eq $n ]]; then
      sleep 1; return 0
    fi
    sleep 0.2
  done
  log "cluster of $n did not form in 60 s: $stats"; stop_cluster; return 1
}
stop_cluster() {
  local pid
  for pid in "${CLUSTER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${CLUSTER_PIDS[@]}"; do stop_pid "$pid"; wait "$pid" 2>/dev/null || true; done
  CLUSTER_PIDS=()
}
run_cluster() { # round -> one run each against 1, 2 and 3 nodes (interleaved over the rounds like the repeats)
  local round=$1 n name rc pids
  for n in 1 2 3; do
    name="cluster__actorpush-${n}n"; [[ $round -gt 1 ]] && name="${name}__r${round}"
    log "cluster on $n node(s)$([[ $REPEAT -gt 1 ]] && echo " (run $round of $REPEAT)")"
    start_cluster "$n" || { FAILED=1; continue; }
    taskset -c 1 "$LT" fanout --url "$CLUSTER_URLS" --clients 200 --senders 2 --messages 1000 \
      --window 8 --quiet --timeout 120 >>"$OUT/warmup.log" 2>&1 || log "warm-up of $n node(s) failed (see warmup.log)"
    sleep 1
    pids=$(IFS=,; echo "${CLUSTER_PIDS[*]}")
    set +e
    # shellcheck disable=SC2086
    taskset -c 1 "$LT" ${ARGS[cluster]} --url "$CLUSTER_URLS" --server-pid "$pids" \
      --stats-url "http://127.0.0.1:$(cluster_http 0)/api/stats" --label "actorpush-${n}n" --timeout 900 $QUICK_TIMEOUTS \
      --json "$OUT/$name.json" 2> >(tee -a "$OUT/$name.progress" >&2) | tee "$OUT/$name.txt"
    rc=${PIPESTATUS[0]}
    set -e
    if [[ $rc -ne 0 ]]; then log "cluster on $n node(s): load tool exit code $rc"; FAILED=1; fi
    stop_cluster
    sleep "$PAUSE"
  done
}
trap 'stop_server; stop_cluster' EXIT INT TERM

# ---------------------------------------------------------------- scenarios
# Scenarios with many connections use four client addresses, and every run gets four it has to itself
# (127.0.N.1-4, N counting runs): the sockets a run leaves in TIME_WAIT for 60 s then never share an
# address and port pair with the next run's, which would slow its connects down (the kernel searching for
# free ports) and skew what that run measures.
SRC4="@SRC4@"
RUN_NO=0
IDLE_CLIENTS=$((FD_LIMIT - 1000)); [[ $IDLE_CLIENTS -gt 60000 ]] && IDLE_CLIENTS=60000
W=16
PAUSE=2
QUICK_TIMEOUTS=""
if [[ $MODE == quick ]]; then PAUSE=1; QUICK_TIMEOUTS="--drain-timeout 5 --slow-drain 5"; fi
if [[ $MODE == full ]]; then
  declare -A ARGS=(
    [fanout-2k]="fanout --clients 2000 --senders 4 --messages 2000 --window $W"
    [fanout-10k]="fanout --clients 10000 --source $SRC4 --senders 1 --messages 200 --window $W --connect-rate 2500"
    [latency]="fanout --clients 2000 --senders 4 --messages 100 --rate 20"
    [idle]="idle --clients $IDLE_CLIENTS --source $SRC4 --connect-rate 3000 --hold 10"
    [storm]="idle --clients 19000 --source $SRC4 --connect-rate 1000000 --connect-concurrency 1000 --hold 2"
    [churn]="churn --clients 1000 --senders 2 --messages 300 --rate 40 --churn-pool 200 --churn-rate 100"
    [slow-ref]="slow --clients 200 --senders 2 --messages 4000 --size 1024 --window $W --slow-share 0"
    [slow]="slow --clients 200 --senders 2 --messages 4000 --size 1024 --window $W --slow-share 0.1"
    [cluster]="fanout --clients 2000 --senders 6 --messages 1000 --window $W"
  )
else
  declare -A ARGS=(
    [fanout-2k]="fanout --clients 500 --senders 2 --messages 200 --window $W"
    [fanout-10k]="fanout --clients 2000 --source $SRC4 --senders 1 --messages 50 --window $W"
    [latency]="fanout --clients 500 --senders 2 --messages 40 --rate 20"
    [idle]="idle --clients 2000 --source $SRC4 --hold 2"
    [storm]="idle --clients 2000 --source $SRC4 --connect-rate 1000000 --connect-concurrency 500 --hold 1"
    [churn]="churn --clients 300 --senders 2 --messages 300 --rate 100 --churn-pool 50 --churn-rate 50"
    [slow-ref]="slow --clients 100 --senders 2 --messages 2000 --size 1024 --window $W --slow-share 0"
    [slow]="slow --clients 100 --senders 2 --messages 2000 --size 1024 --window $W --slow-share 0.1"
    [cluster]="fanout --clients 300 --senders 6 --messages 200 --window $W"
  )
fi

FAILED=0
IFS=',' read -r -a server_list <<<"$SERVERS"
IFS=',' read -r -a scenario_list <<<"$SCENARIOS"
log "mode $MODE, servers ${server_list[*]}, results in $OUT"
# The targets compare ActorPush with plain Kestrel (fan-out, idle) and with the Go original (storm), so those
# run the target scenarios REPEAT times, in turns (A, B, A, B, ...), so that a slow minute of the shared
# machine does not land on one server only.
is_repeated() {
  { [[ $1 == fanout-2k || $1 == fanout-10k || $1 == idle ]] && [[ $2 == actorpush || $2 == kestrel-plain || $2 == actorpush-nometrics ]]; } ||
    { [[ $1 == storm ]] && [[ $2 == actorpush || $2 == go-original ]]; }
}
for scenario in "${scenario_list[@]}"; do
  [[ -n "${ARGS[$scenario]:-}" ]] || { log "unknown scenario $scenario"; exit 2; }
  if [[ $scenario == cluster ]]; then
    if [[ ",$SERVERS," != *",actorpush,"* ]]; then log "cluster runs ActorPush only: add actorpush to --servers"; continue; fi
    for round in $(seq 1 "$REPEAT"); do run_cluster "$round"; done
    continue
  fi
  for round in $(seq 1 "$REPEAT"); do
  for server in "${server_list[@]}"; do
    if [[ $round -gt 1 ]] && ! is_repeated "$scenario" "$server"; then continue; fi
    name="${scenario}__${server}"; [[ $round -gt 1 ]] && name="${name}__r${round}"
    log "$scenario on $server$([[ $REPEAT -gt 1 ]] && is_repeated "$scenario" "$server" && echo " (run $round of $REPEAT)")"
    if ! start_server "$server"; then [[ $server == actorpush ]] && FAILED=1; continue; fi
    # Warm-up: JIT-compile the hot paths (and let pools grow) before anything is measured, the same for every
    # server: 400,000 deliveries, enough for the .NET servers' hot code to reach optimized tiers.
    taskset -c 1 "$LT" fanout --url "ws://127.0.0.1:$(server_port "$server")/im" --clients 200 --senders 2 --messages 1000 \
      --window 8 --quiet --timeout 120 >>"$OUT/warmup.log" 2>&1 || log "warm-up of $server failed (see warmup.log)"
    sleep 1
    extra=""
    [[ $scenario == slow && $server != go-original && $server != node-ws ]] && extra="--expect-slow-close 4008"
    RUN_NO=$((RUN_NO + 1))
    net=$((RUN_NO % 250 + 1))
    run_args=${ARGS[$scenario]//@SRC4@/127.0.$net.1,127.0.$net.2,127.0.$net.3,127.0.$net.4}
    set +e
    # shellcheck disable=SC2086
    taskset -c 1 "$LT" $run_args $extra --url "ws://127.0.0.1:$(server_port "$server")/im" \
      --server-pid "$SERVER_PID" --label "$server" --timeout 900 $QUICK_TIMEOUTS --json "$OUT/$name.json" \
      2> >(tee -a "$OUT/$name.progress" >&2) | tee "$OUT/$name.txt"
    rc=${PIPESTATUS[0]}
    set -e
    if [[ $rc -ne 0 ]]; then
      log "$scenario on $server: load tool exit code $rc"
      [[ $server == actorpush ]] && FAILED=1
    fi
    stop_server
    sleep "$PAUSE" # let TIME_WAIT sockets and the kernel settle between runs
  done
  done
done

sed -i "s/@LOADAVG_AFTER@/$(cut -d' ' -f1-3 /proc/loadavg)/" "$OUT/meta.json"
DOC_ARGS=()
[[ $DOCS == yes ]] && DOC_ARGS=(--docs "$ROOT/docs/performance.md")
"$LT" summarize --results "$OUT" "${DOC_ARGS[@]}"
log "summary: $OUT/summary.md, chart: $OUT/chart.svg"
# Baselines are data (the Go original is expected to stall with slow consumers); only ActorPush failing fails the run.
[[ $FAILED -eq 0 ]] || { log "ActorPush runs failed (see the tables and the *.txt files)"; exit 1; }
exit 0
