// src/cli/commands/: one file per command, found at start. A file there is a command, listed by
// `flowstage --help` in the order its `order` field gives, with nothing else to register.
import { readdir } from 'node:fs/promises';
import test from 'ava';
import type { Command } from '../../src/cli/command.js';
import { main } from '../../src/cli/index.js';

const dir = new URL('../../src/cli/commands/', import.meta.url);

async function commandFiles(): Promise<Map<string, Command>> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
  const entries = await Promise.all(
    files.map(
      async (f) => [f.replace(/\.ts$/, ''), ((await import(new URL(f, dir).href)) as { default: Command }).default] as const,
    ),
  );
  return new Map(entries);
}

async function help(): Promise<string> {
  let out = '';
  await main(['--help'], {
    out: (s) => {
      out += s;
    },
    err: () => {},
  });
  return out;
}

test('every file under src/cli/commands/ is a command in --help, ordered by its order field', async (t) => {
  const commands = await commandFiles();
  const listed = (await help())
    .split('\n')
    .filter((l) => /^ {2}[a-z]/.test(l))
    .map((l) => l.trim().split(/\s/)[0]);
  const byOrder = [...commands].sort(([, a], [, b]) => a.order - b.order).map(([name]) => name);
  t.deepEqual(listed, byOrder);
});

test('no two commands share an order', async (t) => {
  const orders = [...(await commandFiles()).values()].map((c) => c.order);
  t.is(new Set(orders).size, orders.length);
});
