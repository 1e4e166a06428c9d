#!/usr/bin/env bash
# Makes sure the OCaml toolchain used by ocaml/ is installed: ocamlfind, dune and js_of_ocaml (Debian packages
# ocaml-nox ocaml-dune ocaml-findlib js-of-ocaml libjs-of-ocaml-dev: OCaml 4.13.1, dune 2.9.3, js_of_ocaml 4.0.0).
# Quiet and idempotent when everything is present; otherwise installs with apt-get (needs root), or explains and
# exits non-zero.
set -euo pipefail
packages=(ocaml-nox ocaml-dune ocaml-findlib js-of-ocaml libjs-of-ocaml-dev)
have_all() {
  command -v ocamlfind >/dev/null 2>&1 && command -v dune >/dev/null 2>&1 && command -v js_of_ocaml >/dev/null 2>&1 &&
    ocamlfind query js_of_ocaml js_of_ocaml-ppx >/dev/null 2>&1
}
if have_all; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-ocaml: the OCaml toolchain (ocamlfind, dune, js_of_ocaml + js_of_ocaml-ppx) is missing." >&2
  echo "ensure-ocaml: install it as root: apt-get update && apt-get install -y ${packages[*]}" >&2
  echo "ensure-ocaml: (or run this script as root: sudo scripts/ensure-ocaml.sh)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-ocaml: apt-get not found; install ${packages[*]} (or their equivalents) by hand." >&2
  exit 1
fi
echo "ensure-ocaml: installing ${packages[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq "${packages[@]}" >&2
if ! have_all; then
  echo "ensure-ocaml: installed, but ocamlfind/dune/js_of_ocaml are still not all usable" >&2
  exit 1
fi
