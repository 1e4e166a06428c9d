#!/usr/bin/env bash
# Prints the SHA-256 of the OCaml sources the JavaScript build is made from: every ocaml/**/*.ml, *.mli, dune and
# dune-project file outside _build, in byte order of their paths, each contributing "<path>\0<sha256>\n".
# The same algorithm is implemented in src/indicators/ocaml/index.ts (ocamlSourceHash); keep them in step.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
find ocaml -path ocaml/_build -prune -o -type f \( -name '*.ml' -o -name '*.mli' -o -name dune -o -name dune-project \) -print \
  | LC_ALL=C sort \
  | while IFS= read -r f; do printf '%s\0%s\n' "$f" "$(sha256sum "$f" | cut -d' ' -f1)"; done \
  | sha256sum | cut -d' ' -f1
