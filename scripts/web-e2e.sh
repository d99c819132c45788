#!/usr/bin/env bash
# End-to-end browser test of the trading page (app/web) in real headless Chromium against
# a local validator running target/deploy/ballast.so.
#
#   bash scripts/web-e2e.sh            # installs what is missing, runs, writes docs/screenshots/*.png
#
# Steps: chromium (Debian package) if missing; npm ci for app/sdk and app/web when their
# node_modules are missing or older than the lock file; the localnet and keeper binaries;
# a fresh validator + bootstrap on a free port block (not 8899), written to
# target/localnet-e2e/; the page built and served with `vite preview` on a free port; then
# the test (node's test runner, playwright-core). Every process it started is stopped on
# exit, failure included.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/lib.sh

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    # Each service runs in its own process group (setsid): stop the group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T0=$SECONDS
say() { echo "==> [$((SECONDS - T0))s] $*"; }

# 1. Chromium from Debian (no browser downloads).
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
  say "installing chromium with apt"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y --no-install-recommends chromium \
    || { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends chromium; }
  CHROMIUM=$(command -v chromium)
fi
export CHROMIUM

# 2. Node packages.
npm_ci_if_needed() {
  local dir=$1
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
}
npm_ci_if_needed app/sdk
npm_ci_if_needed app/web

# 3. Program, validator and binaries.
ensure_tools
# The bytecode under test is this checkout's (the test command has just built it and sets
# SKIP_SBF_BUILD=1; by hand it is rebuilt, incrementally, so a stale .so is never tested).
if [ "${SKIP_SBF_BUILD:-0}" != 1 ] || [ ! -f target/deploy/ballast.so ]; then
  say "building target/deploy/ballast.so"
  bash scripts/build-sbf.sh >/dev/null
fi
ensure_test_validator
say "building ballast-localnet and ballast-keeper"
cargo build -q --workspace --bin ballast-localnet --bin ballast-keeper
BIN=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')/debug

# 4. Free ports: a block of 61 for the validator (rpc, its websocket, faucet, gossip, dynamic), one for the page.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
block_free() { local p; for p in $(seq "$1" 7 $(($1 + 60))) $(($1 + 1)) $(($1 + 2)) $(($1 + 3)); do port_free "$p" || return 1; done; }
RPC_PORT=""
for _ in $(seq 1 40); do
  base=$((20000 + (RANDOM % 400) * 100))
  if block_free "$base"; then RPC_PORT=$base; break; fi
done
[ -n "$RPC_PORT" ] || { echo "no free port block found" >&2; exit 1; }
# Below the validator's range (20000 and up) and the kernel's ephemeral ports.
WEB_PORT=""
for _ in $(seq 1 40); do
  p=$((10000 + RANDOM % 9000))
  if port_free "$p"; then WEB_PORT=$p; break; fi
done
[ -n "$WEB_PORT" ] || { echo "no free port for the page" >&2; exit 1; }

OUT=$ROOT/target/localnet-e2e
rm -f "$OUT/deployment.json"
mkdir -p "$OUT"
say "starting the validator on 127.0.0.1:$RPC_PORT (log: $OUT/localnet.log)"
setsid "$BIN/ballast-localnet" --validator "$TEST_VALIDATOR" --rpc-port "$RPC_PORT" --out "$OUT" >"$OUT/localnet.log" 2>&1 &
PIDS+=($!)
LOCALNET_PID=$!

# 5. The page: built, then served by vite preview with the e2e deployment.
say "building the page"
(cd app/web && npm run -s build >"$OUT/web-build.log" 2>&1) || { cat "$OUT/web-build.log"; exit 1; }

for _ in $(seq 1 240); do
  [ -s "$OUT/deployment.json" ] && break
  kill -0 "$LOCALNET_PID" 2>/dev/null || { cat "$OUT/localnet.log"; echo "the local validator stopped" >&2; exit 1; }
  sleep 0.5
done
[ -s "$OUT/deployment.json" ] || { cat "$OUT/localnet.log"; echo "no deployment after 120 s" >&2; exit 1; }
say "bootstrapped: $OUT/deployment.json"

say "serving the page on 127.0.0.1:$WEB_PORT"
BALLAST_DEPLOYMENT="$OUT/deployment.json" BALLAST_WEB_PORT=$WEB_PORT \
  setsid bash -c 'cd app/web && exec npx vite preview' >"$OUT/web-serve.log" 2>&1 &
PIDS+=($!)
page_up() { node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "http://127.0.0.1:$WEB_PORT/deployment.json"; }
for _ in $(seq 1 120); do
  page_up && break
  sleep 0.5
done
page_up || { cat "$OUT/web-serve.log"; echo "the page server did not answer within 60 s" >&2; exit 1; }

# 6. The test.
say "running the browser test"
cd app/web
BALLAST_WEB_URL="http://127.0.0.1:$WEB_PORT" \
BALLAST_DEPLOYMENT="$OUT/deployment.json" \
BALLAST_KEYS="$OUT/keys" \
BALLAST_KEEPER_BIN="$BIN/ballast-keeper" \
BALLAST_SCREENSHOTS="$ROOT/docs/screenshots" \
  node --import tsx --test --test-concurrency=1 e2e/*.test.ts
# (nothing after the test runner: its summary stays the last lines of the output)
