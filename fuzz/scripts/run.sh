#!/usr/bin/env bash
# Runs one fuzz target on the stable toolchain. Usage: fuzz/scripts/run.sh TARGET [SECONDS] [extra libFuzzer flags]
# Environment: CARGO_TARGET_DIR (default /work/target-fuzz), SANITIZER (default address; "none"
# if the ASan runtime is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
t="$1"; secs="${2:-600}"; shift $(( $# >= 2 ? 2 : 1 ))
mkdir -p "corpus/$t" "artifacts/$t" logs
[ -n "$(ls -A "corpus/$t")" ] || scripts/seed.sh
export RUSTUP_TOOLCHAIN=stable RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-fuzz}"
cd logs   # libFuzzer writes fuzz-<job>.log into the working directory
exec cargo fuzz run --fuzz-dir .. -O -a -s "${SANITIZER:-address}" "$t" "../corpus/$t" -- \
    -jobs=1 -rss_limit_mb=2048 -timeout=10 -max_len=65536 -max_total_time="$secs" \
    -print_final_stats=1 "$@"
