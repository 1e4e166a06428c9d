#!/usr/bin/env bash
# `npm run bench`: every benchmark section, one after the other, each printing its table with its own baseline
# (paste them into BENCHMARKS.md). The sections alone, with their options:
#   npm run bench:engine -- [--bars 1000000] [--runs 3] [--only baseline,a,g]   end-to-end backtests (bench/run.ts)
#   npm run bench:indicators -- [n] [rounds] [--passes=3] [--only=<name>]        indicators (bench/indicators.ts)
#   npm run bench:lua -- [bars]                                                  the Lua strategy host (bench/lua-host.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "## End-to-end backtest (npm run bench:engine)"
tsx bench/run.ts
echo
echo "## Indicators (npm run bench:indicators)"
tsx bench/indicators.ts
echo
echo "## Lua host (npm run bench:lua)"
tsx bench/lua-host.ts
