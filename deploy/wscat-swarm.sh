#!/usr/bin/env bash
# deploy/wscat-swarm.sh N URL [MESSAGES]
#
# Starts N wscat clients (npm `wscat`) against a server speaking the /im?user_id= protocol, has one of
# them (swarm-1) publish MESSAGES lines (default 5), counts what each client received, then stops them all.
# Targets must be loopback (127.0.0.0/8 or localhost). Example:
#   deploy/wscat-swarm.sh 20 ws://127.0.0.1:23333/im
# Needs node/npm; wscat is used from PATH or installed once into ${WSCAT_PREFIX:-~/.cache/actorpush-wscat}.
set -euo pipefail

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ $# -ge 2 ]] || usage
N=$1; URL=$2; MESSAGES=${3:-5}
[[ "$N" =~ ^[0-9]+$ && $N -ge 2 && $N -le 500 ]] || { echo "N must be 2..500 (each wscat is a Node process)" >&2; exit 2; }
[[ "$MESSAGES" =~ ^[0-9]+$ && $MESSAGES -ge 1 && $MESSAGES -le 10000 ]] || { echo "MESSAGES must be 1..10000" >&2; exit 2; }
[[ "$URL" == *://* ]] || URL="ws://$URL"
host=$(echo "$URL" | sed -E 's#^[a-z]+://([^/:?]+).*#\1#')
[[ "$host" == localhost || "$host" =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "refusing non-loopback target '$host'" >&2; exit 2; }
origin="http://$host"
sep='?'; [[ "$URL" == *\?* ]] && sep='&'

WSCAT=$(command -v wscat || true)
if [[ -z "$WSCAT" ]]; then
  prefix=${WSCAT_PREFIX:-$HOME/.cache/actorpush-wscat}
  if [[ ! -x "$prefix/node_modules/.bin/wscat" ]]; then
    echo "installing wscat into $prefix" >&2
    npm install --prefix "$prefix" --no-audit --no-fund --silent wscat >&2
  fi
  WSCAT="$prefix/node_modules/.bin/wscat"
fi

DIR=$(mktemp -d /tmp/wscat-swarm.XXXXXX)
publisher_in="$DIR/publisher.in"
idle_in="$DIR/idle.in"
mkfifo "$publisher_in" "$idle_in"
pids=()
cleanup() {
  exec 3>&- 4>&- 2>/dev/null || true # EOF on stdin: every wscat closes its socket and exits
  sleep 1
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Every receiver reads the idle FIFO (nothing is ever written, the script holds it open): wscat exits on EOF.
exec 4<>"$idle_in"
"$WSCAT" --no-color -o "$origin" -c "${URL}${sep}user_id=swarm-1" <"$publisher_in" >"$DIR/client-1.log" 2>"$DIR/client-1.err" &
pids+=($!)
exec 3>"$publisher_in"
for i in $(seq 2 "$N"); do
  "$WSCAT" --no-color -o "$origin" -c "${URL}${sep}user_id=swarm-$i" <"$idle_in" >"$DIR/client-$i.log" 2>"$DIR/client-$i.err" &
  pids+=($!)
done
echo "started $N wscat clients against $URL (logs in $DIR)" >&2

# swarm-1 reads its stdin with readline, whose "> " prompt can precede an incoming line in its log.
count() { grep -c -E "^(> )*$1" "$DIR/client-$2.log" 2>/dev/null || true; }
all_have() { # prefix minimum -> true when every client log has at least `minimum` lines with the prefix
  for i in $(seq 1 "$N"); do [[ $(count "$1" "$i") -ge $2 ]] || return 1; done
}

# Wait until every client is connected: swarm-1 sends probes until each client has seen one (bounded).
deadline=$((SECONDS + 30 + N / 5))
k=0
until all_have swarm-probe 1; do
  [[ $SECONDS -lt $deadline ]] || { echo "not every client connected within the time limit; counting anyway" >&2; break; }
  echo "swarm-probe-$k" >&3; k=$((k + 1)); sleep 1
done

for j in $(seq 1 "$MESSAGES"); do echo "swarm-msg-$j" >&3; done
deadline=$((SECONDS + 20))
until all_have swarm-msg- "$MESSAGES" || [[ $SECONDS -ge $deadline ]]; do sleep 0.5; done

complete=0; total=0; short=()
for i in $(seq 1 "$N"); do
  got=$(count swarm-msg- "$i"); total=$((total + got))
  if [[ $got -eq $MESSAGES ]]; then complete=$((complete + 1)); else short+=("swarm-$i:$got"); fi
done
printf '%-28s %s\n' "clients" "$N (swarm-1 published)"
printf '%-28s %s\n' "messages published" "$MESSAGES"
printf '%-28s %s\n' "deliveries received" "$total / $((N * MESSAGES))"
printf '%-28s %s\n' "clients with every message" "$complete / $N"
[[ ${#short[@]} -eq 0 ]] || printf '%-28s %s\n' "clients missing messages" "${short[*]}"
[[ $complete -eq $N ]]
