#!/usr/bin/env node
// The `trading-engine` command. The sources are TypeScript run through tsx, so the CLI needs no build step.
// Run it through npx or npm scripts so the project's pinned Node (>= 22.19) is the one on PATH.
import { register } from "tsx/esm/api"

register()
await import("../src/cli/bin.ts")
