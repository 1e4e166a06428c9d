#!/usr/bin/env bash
# Builds the OCaml reference indicators (library, expected-output test executable, ind_batch.exe and the
# JavaScript build) with `dune build --root ocaml --profile release`, then copies the JavaScript build to its
# committed place, src/indicators/ocaml/indicators.bc.cjs (.cjs: js_of_ocaml emits CommonJS and the package is
# ESM), and records the SHA-256 of the OCaml sources in src/indicators/ocaml/SOURCE_HASH (checked by
# test/ocaml/staleness.test.ts).
#
# Usage: scripts/build-ocaml.sh            build, copy the JS build and refresh SOURCE_HASH (after editing ocaml/)
#        scripts/build-ocaml.sh --no-copy  build only (what the tests need: ind_batch.exe); leaves the committed
#                                          files alone, so the staleness test still catches a forgotten rebuild
#        scripts/build-ocaml.sh --check    build, then fail unless the committed JS build and SOURCE_HASH are
#                                          exactly what this build produces
# Needs ocamlfind, dune and js_of_ocaml (scripts/ensure-ocaml.sh installs them).
set -euo pipefail
mode="${1:-copy}"
case "$mode" in copy | --no-copy | --check) ;; *) echo "usage: $0 [--no-copy | --check]" >&2; exit 2 ;; esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
for tool in dune ocamlfind js_of_ocaml; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-ocaml: '$tool' not found; run scripts/ensure-ocaml.sh (as root) first" >&2
    exit 1
  fi
done
dune build --root ocaml --profile release 2>&1 | { grep -v '^Entering directory\|^Leaving directory' || true; }
test "${PIPESTATUS[0]}" -eq 0
built=ocaml/_build/default/js/indicators.bc.js
committed=src/indicators/ocaml/indicators.bc.cjs
hash_file=src/indicators/ocaml/SOURCE_HASH
case "$mode" in
  copy)
    install -m 644 "$built" "$committed"
    scripts/ocaml-source-hash.sh > "$hash_file"
    ;;
  --check)
    if ! cmp -s "$built" "$committed" || [ "$(scripts/ocaml-source-hash.sh)" != "$(cat "$hash_file" 2>/dev/null)" ]; then
      echo "build-ocaml: $committed or $hash_file is stale; run scripts/build-ocaml.sh and commit src/indicators/ocaml/" >&2
      exit 1
    fi
    ;;
esac
