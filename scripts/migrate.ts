// npm run migrate: install or upgrade flowstage in $DATABASE_URL.
import { migrate } from '../src/migrate.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set. Example: DATABASE_URL=postgres://user@host:5432/db npm run migrate');
  process.exit(2);
}
await migrate(url, { log: (line) => console.log(line) });
console.log('flowstage is installed and up to date.');
