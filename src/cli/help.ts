// The help texts: `flowstage --help` (every command with its summary) and `flowstage <command>
// --help` (its usage line, description and options), built from the Command definitions; the
// docs generator prints them into docs/cli.md.
import { GLOBAL_OPTIONS, type Command, type OptionSpec } from './command.js';

export type Commands = ReadonlyMap<string, Command>;

/** `describe <flow_id>`, `list`, ...: a command's name with its positional arguments. */
function synopsis(commands: Commands, name: string): string {
  return [name, ...commands.get(name)!.args.map((a) => `<${a}>`)].join(' ');
}

export function usage(commands: Commands): string {
  const names = [...commands.keys()];
  const width = Math.max(...names.map((name) => synopsis(commands, name).length)) + 2;
  return `usage: flowstage <command> [options]

commands:
${names.map((name) => `  ${synopsis(commands, name).padEnd(width)}${commands.get(name)!.summary}`).join('\n')}

options (every command):
${optionLines(GLOBAL_OPTIONS)}

flowstage <command> --help lists the command's own options; flowstage --version prints the version.`;
}

/** The options a command accepts: its own, then the global ones (only --help when offline). */
export function commandOptions(command: Command): Record<string, OptionSpec> {
  return { ...command.options, ...(command.offline ? { help: GLOBAL_OPTIONS.help } : GLOBAL_OPTIONS) };
}

export function commandHelp(commands: Commands, name: string): string {
  const command = commands.get(name)!;
  return `usage: flowstage ${synopsis(commands, name)} [options]

${command.description}

options:
${optionLines(commandOptions(command))}`;
}

function optionLines(options: Record<string, OptionSpec>): string {
  const left = Object.entries(options).map(
    ([name, o]) => `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`,
  );
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return Object.values(options)
    .map((o, i) => `  ${left[i].padEnd(width)}${o.help}`)
    .join('\n');
}
