// Everything an install leaves in a database, object by object, for comparing two installs
// (migrate() against the psql file, an upgrade against a fresh install): scripts/lib/catalogue.ts's
// readFingerprint on its own connection.
import pg from 'pg';
import { readFingerprint } from '../../scripts/lib/catalogue.js';

export type { Fingerprint } from '../../scripts/lib/catalogue.js';

export async function fingerprint(connectionString: string) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await readFingerprint(client);
  } finally {
    await client.end();
  }
}
