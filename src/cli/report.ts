// How a failed command reports: a refusal as `error: <code>: <detail>` and `hint: <hint>`, the
// usual misconfigurations (flowstage not installed, a login without its roles, another version)
// with a hint saying what to do, anything else as `error: <message>`; exit code 1, no stack trace
// (FLOWSTAGE_DEBUG=1 prints it).
import { FlowstageError } from '../client/errors.js';
import type { Output } from './command.js';

/** A runtime error as `error: ...` (and `hint: ...`); exit code 1. */
export function report(error: unknown, io: Output): number {
  if (error instanceof FlowstageError) {
    io.err(`error: ${error.code}: ${error.detail ?? ''}\n`);
    if (error.hint) io.err(`hint: ${error.hint}\n`);
    return 1;
  }
  const pgError = error as { code?: string; message?: string };
  if (pgError.code === '3F000' && /"flowfabric"/.test(pgError.message ?? '')) {
    io.err('error: flowstage is not installed in this database (schema "flowfabric" does not exist)\n');
    io.err(
      'hint: install it with `flowstage migrate`, or have a DBA run `flowstage sql | psql -v ON_ERROR_STOP=1 "$DATABASE_URL"`\n',
    );
    return 1;
  }
  if (pgError.code === '42501' && /(function ff_|schema flowfabric\b)/.test(pgError.message ?? '')) {
    io.err(`error: ${pgError.message}\n`);
    io.err(
      "hint: this login has not been granted flowstage's roles: a DBA runs GRANT flowstage_writer TO <login> " +
        '(or flowstage_reader for reading only); see docs/operations.md#roles-and-privileges\n',
    );
    return 1;
  }
  if (pgError.code === '42501' && /graphile_worker\b/.test(pgError.message ?? '')) {
    io.err(`error: ${pgError.message}\n`);
    io.err(
      "hint: a worker's login needs flowstage_writer and rights on Graphile Worker's tables; the GRANT lines are in " +
        'docs/operations.md#roles-and-privileges\n',
    );
    return 1;
  }
  if (pgError.code === '42883' && /flowfabric\./.test(pgError.message ?? '')) {
    io.err(`error: ${pgError.message}\n`);
    io.err(
      'hint: this database has another version of flowstage: upgrade it with `flowstage migrate` (or `flowstage sql | psql ...`)\n',
    );
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`error: ${message}\n`);
  if (process.env.FLOWSTAGE_DEBUG && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
  return 1;
}
