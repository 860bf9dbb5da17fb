// What commands read besides the database: plan files (or stdin), the psql install file, and a
// --tasks module.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './command.js';

/** A plan file (or stdin for `-`) as a JSON object. */
export async function readPlan(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) {
    throw new UsageError(`${file} must hold a JSON object {"flow_id"?, "executions": [...], "edges": [...], "groups": [...]}`);
  }
  return plan as Record<string, unknown>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The psql install file: dist/flowstage.sql beside the compiled CLI's folder (what the package ships),
 * else, run from the sources, built from them now (src/install-sql.ts).
 */
export async function installSql(): Promise<string> {
  const built = await readFile(new URL('../flowstage.sql', import.meta.url), 'utf8').catch(() => undefined);
  if (built !== undefined) return built;
  const { buildInstallSql } = await import('../install-sql.js');
  return buildInstallSql();
}

/**
 * The task list a --tasks file exports (`taskList`, or its default export). JavaScript files are
 * imported; TypeScript files are loaded with tsx's tsImport when tsx is installed (it compiles
 * them wherever they live: a plain import would treat a .ts file outside an ESM package as CommonJS).
 */
export async function loadTaskList(file: string): Promise<unknown> {
  const url = pathToFileURL(resolve(file)).href;
  let module;
  if (/\.[cm]?tsx?$/.test(file)) {
    const tsx = await import('tsx/esm/api').catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
      throw new Error(
        `--tasks ${file} is TypeScript, which needs tsx to load: install it (npm install --save-dev tsx), ` +
          'or compile the file to JavaScript and pass the .js file',
      );
    });
    module = await tsx.tsImport(url, import.meta.url);
  } else {
    module = await import(url);
  }
  return module.taskList ?? module.default?.taskList ?? module.default;
}
