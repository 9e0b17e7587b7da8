#!/usr/bin/env bash
# bench/profile.sh [actorpush|kestrel-plain]: where the time and the memory go, with the .NET diagnostics tools.
#   1. dotnet-counters (System.Runtime) during a fan-out: CPU, GC counts, allocation rate, heap sizes, thread pool
#   2. dotnet-trace (sampled thread time) during the same fan-out, reported as the top methods
#   3. dotnet-gcdump of the managed heap holding idle connections, reported by type
#   4. the connect storm (19,000 connects) under dotnet-trace's GC events, every collection listed by bench/GcTrace:
#      the bytes each one promoted do not depend on the machine's speed, so they compare builds where CPU times cannot
# Server pinned to CPU 0, load tool to CPU 1, as in bench/run.sh. Writes bench/results/profile-<server>-<timestamp>/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. "$ROOT/bench/lib.sh"
SERVER=${1:-actorpush}
IDLE_CLIENTS=${IDLE_CLIENTS:-10000}
OUT="$ROOT/bench/results/profile-$SERVER-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
export PATH="$PATH:$HOME/.dotnet/tools"
for tool in dotnet-counters dotnet-trace dotnet-gcdump; do
  command -v $tool >/dev/null || dotnet tool install -g $tool >>"$OUT/tools.log" 2>&1
done

dotnet build -c Release src/ActorPush.Host/ActorPush.Host.csproj -nologo -v q >"$OUT/build.log" 2>&1
dotnet build -c Release src/ActorPush.LoadTest/ActorPush.LoadTest.csproj -nologo -v q >>"$OUT/build.log" 2>&1
dotnet build -c Release bench/KestrelBaseline/KestrelBaseline.csproj -nologo -v q >>"$OUT/build.log" 2>&1
dotnet build -c Release bench/GcTrace/GcTrace.csproj -nologo -v q >>"$OUT/build.log" 2>&1
LT="$ROOT/src/ActorPush.LoadTest/bin/Release/net10.0/ActorPush.LoadTest"
PORT=$(free_ports 1)
URL="ws://127.0.0.1:$PORT/im"

start() {
  case "$SERVER" in
    actorpush) (cd src/ActorPush.Host/bin/Release/net10.0 && exec env ${GEN0_ENV:-} taskset -c 0 ./ActorPush.Host --urls "http://127.0.0.1:$PORT") >"$OUT/server.log" 2>&1 & ;;
    kestrel-plain) (cd bench/KestrelBaseline/bin/Release/net10.0 && exec env ${GEN0_ENV:-} taskset -c 0 ./KestrelBaseline --urls "http://127.0.0.1:$PORT") >"$OUT/server.log" 2>&1 & ;;
    *) echo "server must be actorpush or kestrel-plain" >&2; exit 2 ;;
  esac
  PID=$!
  wait_for_ping "$PORT" "$PID" 30 || { echo "server did not start (see $OUT/server.log)" >&2; exit 1; }
  taskset -c 1 "$LT" fanout --url "$URL" --clients 50 --senders 1 --messages 300 --quiet >/dev/null 2>&1 || true
}
stop() { stop_pid "${PID:-}"; }
trap stop EXIT

echo "[profile] fan-out under dotnet-counters and dotnet-trace" >&2
start
dotnet-counters collect -p "$PID" --counters System.Runtime --refresh-interval 1 --format csv \
  -o "$OUT/counters-fanout.csv" --duration 00:00:00:25 >"$OUT/counters.log" 2>&1 &
COUNTERS=$!
dotnet-trace collect -p "$PID" --profile dotnet-sampled-thread-time --duration 00:00:00:15 \
  -o "$OUT/fanout.nettrace" >"$OUT/trace.log" 2>&1 &
TRACE=$!
sleep 2
taskset -c 1 "$LT" fanout --url "$URL" --clients 2000 --senders 4 --messages 1000 --window 16 --server-pid "$PID" \
  --label "$SERVER" --quiet --json "$OUT/fanout.json" >"$OUT/fanout.txt" 2>&1 || true
wait "$TRACE" || true
wait "$COUNTERS" || true
dotnet-trace report "$OUT/fanout.nettrace" topN -n 40 >"$OUT/trace-top-exclusive.txt" 2>&1 || true
dotnet-trace report "$OUT/fanout.nettrace" topN -n 40 --inclusive >"$OUT/trace-top-inclusive.txt" 2>&1 || true
stop

echo "[profile] $IDLE_CLIENTS idle connections, then dotnet-gcdump" >&2
start
dotnet-gcdump collect -p "$PID" -o "$OUT/before.gcdump" >"$OUT/gcdump.log" 2>&1 || true
taskset -c 1 "$LT" idle --url "$URL" --clients "$IDLE_CLIENTS" --source 127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4 \
  --connect-rate 3000 --hold 40 --server-pid "$PID" --label "$SERVER" --quiet --json "$OUT/idle.json" >"$OUT/idle.txt" 2>&1 &
IDLE=$!
sleep $((IDLE_CLIENTS / 3000 + 15))
grep VmRSS "/proc/$PID/status" >"$OUT/idle-rss.txt"
dotnet-gcdump collect -p "$PID" -o "$OUT/idle.gcdump" >>"$OUT/gcdump.log" 2>&1 || true
wait "$IDLE" || true
dotnet-gcdump report "$OUT/before.gcdump" >"$OUT/gcdump-before.txt" 2>&1 || true
dotnet-gcdump report "$OUT/idle.gcdump" >"$OUT/gcdump-idle.txt" 2>&1 || true
echo "[profile] connect storm under dotnet-trace's GC events (the deployment's 4 MiB gen0 budget, as in bench/run.sh)" >&2
stop
GEN0_ENV=DOTNET_GCgen0size=0x400000 start
dotnet-trace collect -p "$PID" --clrevents gc --clreventlevel informational --duration 00:00:00:15 \
  -o "$OUT/storm-gc.nettrace" >"$OUT/storm-trace.log" 2>&1 &
TRACE=$!
sleep 2
taskset -c 1 "$LT" idle --url "$URL" --clients 19000 --source 127.0.1.1,127.0.1.2,127.0.1.3,127.0.1.4 \
  --connect-rate 1000000 --connect-concurrency 1000 --hold 2 --server-pid "$PID" --label "$SERVER" --quiet \
  --json "$OUT/storm.json" >"$OUT/storm.txt" 2>&1 || true
wait "$TRACE" || true
stop
dotnet bench/GcTrace/bin/Release/net10.0/GcTrace.dll "$OUT/storm-gc.nettrace" >"$OUT/storm-gc.txt" 2>&1 || true
echo "[profile] done: $OUT" >&2
