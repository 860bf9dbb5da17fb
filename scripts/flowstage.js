#!/usr/bin/env node
// The `flowstage` command. It runs src/cli.ts through tsx (installed by a plain `npm install`),
// so it works in a fresh clone without a build step.
import { register } from 'tsx/esm/api';

register();
const { runFromProcess } = await import('../src/cli.ts');
await runFromProcess();
