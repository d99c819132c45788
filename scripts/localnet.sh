#!/usr/bin/env bash
# A local cluster with Ballast on it, for a front-end or keeper to connect to:
# solana-test-validator 4.2.2 on 127.0.0.1:8899 (built once into ~/.cache/ballast-tools)
# loading target/deploy/ballast.so, with the exchange and markets of
# migrations/localnet.json bootstrapped. Addresses go to target/localnet/deployment.json,
# keypairs to target/localnet/keys/. Runs until Ctrl-C. Extra arguments are passed on to
# ballast-localnet (e.g. --rpc-port 18899, --config my.json).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_tools
bash scripts/build-sbf.sh >/dev/null
ensure_test_validator
exec cargo run -q -p ballast-migrations --bin ballast-localnet -- --validator "$TEST_VALIDATOR" "$@"
