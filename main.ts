#!/usr/bin/env node
// Thin entry: parse argv, run, set the exit code. Everything else lives in src/.
import { main } from './src/cli/app.js';

process.exitCode = await main(process.argv.slice(2));
