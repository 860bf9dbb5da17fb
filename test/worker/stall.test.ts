// A Graphile Worker pool that stalls without reporting a fault. The fault probe of issue 23 saw a
// pool take none of the due jobs and hold no connection: Graphile Worker 0.17 looks its pool's task
// names up once (getTaskDetails) and keeps that promise, so when the lookup's connection is
// terminated every later "a job?" of that pool fails at once with the same error, without asking
// the database. run() replaces such a pool at once, and any pool whose workers got no answer for
// a while (e.g. waiting forever on connections that never answer), as it replaces a faulted pool.
import test from 'ava';
import net from 'node:net';
import { connectionStringOf, testDatabase } from '../helpers/database.js';
import { createFlow } from '../helpers/fixtures.js';
import { execution, member, startFlow, waitFor } from '../helpers/cascade.js';
import { startWorker } from '../helpers/worker.js';

/**
 * A TCP proxy to the database. While freezing, a connection that carries one of Graphile Worker's
 * own statements (they name its schema, graphile_worker) is frozen for good: that statement and
 * everything after it is held, so the caller waits forever, as on a dead socket. The first
 * connection that carries `cutOn` is closed instead of sending it, as a terminated backend is.
 */
async function freezingProxy(target: URL, cutOn?: string) {
  let cut = false;
  let freezing = false;
  let frozen = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    let stuck = false;
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (cutOn && !cut && chunk.includes(cutOn)) {
        cut = true;
        client.destroy();
        return;
      }
      if (!stuck && freezing && chunk.includes('graphile_worker')) {
        stuck = true;
        frozen++;
      }
      if (!stuck) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!stuck) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    freeze: (on: boolean) => {
      freezing = on;
    },
    frozen: () => frozen,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('a pool whose connections stop answering, without any fault reported, is replaced and the due job runs once', async (t) => {
  t.timeout(60_000);
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const work = await member(flow, { task: 'work' });
  const proxy = await freezingProxy(new URL(connectionStringOf(db)));
  let runs = 0;
  const worker = await startWorker(
    t,
    proxy.url,
    {
      work: () => {
        runs++;
      },
    },
    { concurrency: 1, pollInterval: 200, heartbeatInterval: 500, workerLease: 2000 },
  );
  t.teardown(() => proxy.close()); // before the worker stops (teardowns run last first): frees what is frozen
  const stalledPool = worker.workerId;
  // The pool's only worker polls every 200 ms: within a second it waits on a frozen connection.
  proxy.freeze(true);
  await waitFor('a frozen connection of the Graphile Worker pool', async () => proxy.frozen() > 0);
  await new Promise((r) => setTimeout(r, 1000));
  proxy.freeze(false); // new connections work again; the frozen ones never will
  await startFlow(flow);
  await waitFor('the job to run', async () => (await execution(db, work)).lifecycle_phase === 'terminal');
  t.not(worker.workerId, stalledPool, 'a new pool took over');
  t.is(runs, 1);
  t.is((await execution(db, work)).public_state, 'completed');
});

test('a pool whose one-time task lookup failed (every later poll fails with that same error) is replaced at once and the due job runs once', async (t) => {
  t.timeout(60_000);
  const db = await testDatabase(t);
  const flow = await createFlow(db);
  const work = await member(flow, { task: 'work' });
  // Graphile Worker's lookup of the pool's task names (its first poll) loses its connection.
  const proxy = await freezingProxy(new URL(connectionStringOf(db)), '_private_tasks as tasks (identifier)');
  let runs = 0;
  // A lease of 60 s: the replacement does not wait for the check of a silent pool.
  const worker = await startWorker(
    t,
    proxy.url,
    {
      work: () => {
        runs++;
      },
    },
    { concurrency: 1, pollInterval: 200, heartbeatInterval: 500, workerLease: 60_000 },
  );
  t.teardown(() => proxy.close());
  const poisonedPool = worker.workerId;
  await startFlow(flow);
  await waitFor('the job to run', async () => (await execution(db, work)).lifecycle_phase === 'terminal');
  t.not(worker.workerId, poisonedPool, 'a new pool took over');
  t.is(runs, 1);
  t.is((await execution(db, work)).public_state, 'completed');
});
