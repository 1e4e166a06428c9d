/**
 * The committed JavaScript build of the OCaml indicators (src/indicators/ocaml/indicators.bc.cjs) must come from
 * the OCaml sources in the repository: scripts/build-ocaml.sh writes the sources' hash to SOURCE_HASH next to it.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { ocamlExportNames, ocamlIndicators } from "../../src/indicators/ocaml/index.ts"
import { repoFile } from "../support/data.ts"
import { ocamlSourceFiles, ocamlSourceHash } from "./support.ts"

describe("OCaml JavaScript build", () => {
  it("was built from the current OCaml sources (else run scripts/build-ocaml.sh)", () => {
    const committed = fs.readFileSync(repoFile("src", "indicators", "ocaml", "SOURCE_HASH"), "utf8").trim()
    const current = ocamlSourceHash()
    expect(
      current,
      `src/indicators/ocaml/indicators.bc.cjs is stale: it was built from OCaml sources with hash ${committed}, ` +
        `the sources now hash to ${current}. Run scripts/build-ocaml.sh and commit src/indicators/ocaml/.`
    ).toBe(committed)
  })

  it("hashes the same files as scripts/ocaml-source-hash.sh, with the same result", () => {
    const files = ocamlSourceFiles()
    expect(files).toContain("ocaml/dune-project")
    expect(files).toContain("ocaml/lib/ema.ml")
    expect(files.some((f) => f.startsWith("ocaml/_build/"))).toBe(false)
    const r = spawnSync("bash", [repoFile("scripts", "ocaml-source-hash.sh")], { encoding: "utf8" })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe(ocamlSourceHash())
  })

  it("leaves the process's error handling alone (no js_of_ocaml uncaughtException handler that exits)", () => {
    // js_of_ocaml's runtime installs one at load time; ocaml/js/indicators.ml removes it again.
    const exiting = process.listeners("uncaughtException").filter((f) => String(f).includes("exit(2)"))
    expect(exiting).toEqual([])
  })

  it("exports exactly the functions the TypeScript types declare", () => {
    expect(Object.keys(ocamlIndicators).sort()).toEqual([...ocamlExportNames].sort())
    for (const name of ocamlExportNames) expect(typeof ocamlIndicators[name], name).toBe("function")
  })
})
