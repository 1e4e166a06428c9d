/** Process entry of the `trading-engine` command: runs the CLI on argv and sets the exit code. @module */
import { runCli } from "./main.ts"

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  interactive: process.stderr.isTTY === true
})
