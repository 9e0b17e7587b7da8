#!/usr/bin/env bash
# CI smoke of the load tool against ActorPush: build Release, start the server on a free loopback port,
# run a small fan-out and a short churn, fail on any missing, duplicated or out-of-order delivery.
# No timing thresholds. Usage: bench/smoke.sh   (about a minute; exit code 0 = pass)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${SMOKE_OUT:-$(mktemp -d /tmp/actorpush-smoke.XXXXXX)}"
mkdir -p "$OUT"
say() { echo "[smoke] $*" >&2; }
. "$ROOT/bench/lib.sh"

say "building Release"
dotnet build -c Release src/ActorPush.Host/ActorPush.Host.csproj -nologo -v q >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
dotnet build -c Release src/ActorPush.LoadTest/ActorPush.LoadTest.csproj -nologo -v q >>"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
LT="$ROOT/src/ActorPush.LoadTest/bin/Release/net10.0/ActorPush.LoadTest"

port=$(free_ports 1)

say "starting ActorPush on 127.0.0.1:$port"
(cd "$ROOT/src/ActorPush.Host/bin/Release/net10.0" && exec ./ActorPush.Host --urls "http://127.0.0.1:$port") >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
stop() { stop_pid "$SERVER_PID"; }
trap stop EXIT INT TERM
if ! wait_for_ping "$port" "$SERVER_PID" 30; then say "server exited or did not answer /ping"; cat "$OUT/server.log"; exit 1; fi

URL="ws://127.0.0.1:$port/im"
status=0
say "fanout: 200 clients, 2 senders x 100 messages"
timeout 180 "$LT" fanout --url "$URL" --clients 200 --senders 2 --messages 100 --window 8 --source 127.0.0.1,127.0.0.2 \
  --server-pid "$SERVER_PID" --label actorpush --timeout 120 --quiet --json "$OUT/fanout.json" || status=1
say "churn: 100 stable clients, 2 senders x 200 messages at 100/s, 20 clients replaced at 20/s"
timeout 180 "$LT" churn --url "$URL" --clients 100 --senders 2 --messages 200 --rate 100 --churn-pool 20 --churn-rate 20 \
  --server-pid "$SERVER_PID" --label actorpush --timeout 120 --quiet --json "$OUT/churn.json" || status=1

if [[ $status -eq 0 ]]; then say "PASS (reports in $OUT)"; else say "FAIL (reports in $OUT; server log: $OUT/server.log)"; fi
exit $status
