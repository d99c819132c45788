#!/usr/bin/env bash
# Sets everything up (tools, build) and runs the narrated in-process demo.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_tools
stage "build" cargo build -p ballast-tests --bin demo
stage "demo" cargo run -q -p ballast-tests --bin demo
