#!/usr/bin/env bash
# One command for a developer: a local validator with Ballast bootstrapped
# (scripts/localnet.sh: 127.0.0.1:8899, addresses in target/localnet/deployment.json) and
# the trading page's dev server (app/web, http://127.0.0.1:5173), until Ctrl-C.
# A price pusher keeps the push oracles fresh (fills need a price at most 30 s old).
# Options: --rpc-port N (validator RPC port, default 8899), --web-port N (default 5173),
# --no-build (use the existing target/deploy/ballast.so instead of rebuilding it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RPC_PORT=8899
WEB_PORT=5173
BUILD=1
while [ $# -gt 0 ]; do
  case $1 in
    --rpc-port) RPC_PORT=$2; shift 2 ;;
    --web-port) WEB_PORT=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && { kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; }
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for dir in app/sdk app/web; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
done

OUT=$ROOT/target/localnet
rm -f "$OUT/deployment.json"
ARGS=()
[ "$RPC_PORT" = 8899 ] || ARGS=(--rpc-port "$RPC_PORT")
if [ "$BUILD" = 1 ]; then
  setsid bash scripts/localnet.sh "${ARGS[@]}" &
else
  source scripts/lib.sh
  ensure_test_validator
  [ -f target/deploy/ballast.so ] || { echo "target/deploy/ballast.so missing: run without --no-build" >&2; exit 1; }
  cargo build -q -p ballast-migrations --bin ballast-localnet
  setsid cargo run -q -p ballast-migrations --bin ballast-localnet -- --validator "$TEST_VALIDATOR" "${ARGS[@]}" &
fi
PIDS+=($!)
echo "waiting for the bootstrap (target/localnet/deployment.json)…"
until [ -s "$OUT/deployment.json" ]; do
  kill -0 "${PIDS[0]}" 2>/dev/null || { echo "the local validator stopped" >&2; exit 1; }
  sleep 1
done
# Fills need a price at most 30 s old: keep the push oracles fresh (a small random walk).
setsid bash -c "cd app/web && exec node --import tsx tools/price-pusher.ts '$OUT/deployment.json'" &
PIDS+=($!)
BALLAST_DEPLOYMENT="$OUT/deployment.json" BALLAST_WEB_PORT=$WEB_PORT setsid bash -c 'cd app/web && exec npx vite' &
PIDS+=($!)
echo "page: http://127.0.0.1:$WEB_PORT  (validator RPC http://127.0.0.1:$RPC_PORT; Ctrl-C stops both)"
wait -n "${PIDS[@]}"
