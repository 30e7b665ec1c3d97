#!/usr/bin/env bash
# Time rufc beside the anchors with the shared runner (../shared/bench).
#   bench/run.sh                      VM (--no-jit) and default rufc vs CPython and C, core + ramp
#   bench/run.sh --runs 3 --only fib  any other run_anchors.py options pass through
#   bench/run.sh marginal [options]   sizes N and 2N: end-to-end and marginal time, memory
#                                     (bench/marginal.py; see bench/README.md)
# Reports land in bench/results/ (git-ignored). The anchors need a C compiler for the
# C column; ../shared/bench/install_anchors.sh installs PyPy, LuaJIT, Lua and hyperfine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ "${1:-}" == marginal ]]; then
  shift
  exec "${BENCH_RUNNER_PYTHON:-python3}" "$here/marginal.py" "$@"
fi
shared="$here/../../shared/bench"
mkdir -p "$here/results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
exec "$shared/run_anchors.sh" \
  --ruff-as rufc-vm "rufc run --no-jit {file}" \
  --ruff-as rufc "rufc run {file}" \
  --ruff-version "python3 -c 'import rufc; print(\"rufc\", rufc.__version__)'" \
  --anchors "${ANCHORS:-cpython,c}" --only "${ONLY:-all}" \
  --out "$here/results/run-$stamp.md" "$@"
