// A command's argv parsed by commander (https://github.com/tj/commander.js): its options, typed
// as the command declares them, and its positional arguments. commander only parses here; the
// help texts are flowstage's own (help.ts), and every parse error becomes a UsageError.
import { Command as Commander, CommanderError, Option } from 'commander';
import { UsageError, type OptionSpec, type Values } from './command.js';

export function parseCommand(options: Record<string, OptionSpec>, argv: string[]): { values: Values; args: string[] } {
  const parser = new Commander('flowstage')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .helpOption(false)
    .allowExcessArguments(true)
    .argument('[args...]');
  const attributes = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) {
    const option = new Option(`${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ' <value>' : ''}`);
    attributes.set(name, option.attributeName());
    parser.addOption(option);
  }
  try {
    parser.parse(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    const unknown = /unknown option '([^']+)'/.exec(error.message);
    throw new UsageError(unknown ? `unknown option ${unknown[1]}` : error.message.replace(/^error: /, '').replace(/\.$/, ''));
  }
  const parsed = parser.opts();
  const values: Values = {};
  for (const [name, attribute] of attributes) {
    if (parsed[attribute] !== undefined) values[name] = parsed[attribute] as string | boolean;
  }
  return { values, args: parser.processedArgs[0] as string[] };
}
