/**
 * Writes the bundled quick-start data set, `fixtures/sim/SIM-A_1h.csv` and `fixtures/sim/SIM-B_1h.csv`, from the
 * seeded simulation in `src/market-data/fixtures.ts`. Run with `npx tsx scripts/generate-fixtures.ts` after
 * changing the simulation; `test/market-data/fixtures.test.ts` fails until the files are regenerated.
 */
import { mkdir, writeFile } from "node:fs/promises"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { renderSimFixtures } from "../src/market-data/fixtures.ts"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

for (const fixture of renderSimFixtures()) {
  const target = path.join(root, fixture.path)
  await mkdir(path.dirname(target), { recursive: true })
  await writeFile(target, fixture.content)
  console.log(`wrote ${fixture.path} (${fixture.content.length} bytes)`)
}
