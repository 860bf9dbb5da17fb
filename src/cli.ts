#!/usr/bin/env node
// The package's bin (dist/cli.js): runs the CLI of src/cli/ (the commands are under src/cli/commands/).
import { runFromProcess } from './cli/index.js';

await runFromProcess();
