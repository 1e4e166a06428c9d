#!/usr/bin/env bash
# `npm run bench`: every benchmark section, one after the other, each printing its table with its own baseline
# (paste them into BENCHMARKS.md). Options:
#   npm run bench -- [--sections engine,indicators,lua] [engine options: --bars 1000000 --runs 3 --only baseline,a,g]
# The sections alone, with all their options:
#   npm run bench:engine -- [--bars 1000000] [--runs 3] [--only baseline,a,g]   end-to-end backtests (bench/run.ts)
#   npm run bench:indicators -- [n] [rounds] [--passes=3] [--only=<name>]        indicators (bench/indicators.ts)
#   npm run bench:lua -- [bars]                                                  the Lua strategy host (bench/lua-host.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
sections="engine,indicators,lua"
engine_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sections) sections="$2"; shift 2 ;;
    --sections=*) sections="${1#--sections=}"; shift ;;
    *) engine_args+=("$1"); shift ;;
  esac
done
for s in ${sections//,/ }; do
  case "$s" in
    engine|indicators|lua) ;;
    *) echo "bench: unknown section '$s' (expected engine, indicators, lua)" >&2; exit 2 ;;
  esac
done
has() { [[ ",$sections," == *",$1,"* ]]; }
if has engine; then
  echo "## End-to-end backtest (npm run bench:engine)"
  tsx bench/run.ts "${engine_args[@]}"
  echo
fi
if has indicators; then
  echo "## Indicators (npm run bench:indicators)"
  tsx bench/indicators.ts
  echo
fi
if has lua; then
  echo "## Lua host (npm run bench:lua)"
  tsx bench/lua-host.ts
fi
