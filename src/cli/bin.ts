#!/usr/bin/env node
// The `tandem` command (package.json "bin"): everything is in program.ts and commands/.
import { runCli } from './program.js'

const code = await runCli(process.argv)
process.exitCode = code
// A driver that keeps a timer or socket open must not keep a finished command alive; stdout and stderr
// are synchronous for files and pipes, so nothing printed is lost.
setTimeout(() => process.exit(code), 500).unref()
