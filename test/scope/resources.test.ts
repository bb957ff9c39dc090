import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Scope, CanceledError, DeadlineExceededError, sleep, queryWithSignal } from '../../src/scope/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { PG_URL, noteSkipWithoutPg } from '../helpers/pg.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sleep', () => {
  it('rejects with the scope\'s own reason when canceled, not a generic AbortError', async () => {
    const scope = Scope.root();
    const sleeping = sleep('10s', { signal: scope.signal });
    scope.cancel('stop');
    const error = await sleeping.catch((e: unknown) => e);
    expect(error).toBe(scope.reason);
  });

  it('rejects at once when the signal had already aborted', async () => {
    const scope = Scope.root({ timeout: 0 });
    await expect(sleep(10, { signal: scope.signal })).rejects.toBeInstanceOf(DeadlineExceededError);
  });

  it('resolves after the duration and leaves no listener behind', async () => {
    const scope = Scope.root();
    await sleep(5, { signal: scope.signal });
    expect(getEventListeners(scope.signal, 'abort')).toHaveLength(0);
  });

  it('refuses a duration that is not one', () => {
    expect(() => sleep(-1)).toThrow(InvalidArgumentError);
  });
});

describe('fetch', () => {
  let server: Server;
  let url: string;
  const closed: Promise<void>[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage) => {
      // Never answers: the request hangs until the client goes away.
      closed.push(new Promise((resolve) => req.socket.once('close', () => resolve())));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hang`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('aborts a hanging HTTP request on cancel with the scope\'s reason, and the connection is closed', async () => {
    const scope = Scope.root({ name: 'http' });
    const request = fetch(url, { signal: scope.signal });
    while (closed.length === 0) await tick(5);
    scope.cancel('client went away');
    const error = await request.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CanceledError);
    expect((error as CanceledError).cause).toBe('client went away');
    await closed[0];
  });
});

describe('child process', () => {
  it('kills a child process when its scope is canceled', async () => {
    const scope = Scope.root();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { signal: scope.signal });
    child.on('error', () => undefined);
    await new Promise((resolve) => child.once('spawn', resolve));
    const pid = child.pid!;
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    scope.cancel();
    expect(await exited).toBe('SIGTERM');
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});

noteSkipWithoutPg('test/scope/resources.test.ts');

describe.skipIf(PG_URL === undefined)('PostgreSQL query', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
  });
  afterAll(() => pool.end());

  it('cancels the statement on the server and returns the pooled connection healthy', async () => {
    const client = await pool.connect();
    const pid = ((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!).pid;
    const scope = Scope.root({ name: 'report' });
    const running = queryWithSignal(client, 'SELECT pg_sleep(30)', undefined, scope.signal);
    const observer = new pg.Client({ connectionString: PG_URL });
    await observer.connect();
    try {
      const activeQuery = async () =>
        (await observer.query<{ query: string; state: string }>('SELECT query, state FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0];
      while ((await activeQuery())?.state !== 'active') await tick(10);
      scope.cancel('user closed the report');
      const error = await running.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CanceledError);
      const backend = await activeQuery();
      expect(backend?.state).toBe('idle');
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
      client.release();
      expect(pool.totalCount).toBe(1);
      const again = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(again.rows[0]!.pid).toBe(pid);
    } finally {
      await observer.end();
    }
  });

  it('runs a query to its end when the signal never aborts', async () => {
    const client = await pool.connect();
    try {
      const scope = Scope.root();
      const result = await queryWithSignal<pg.QueryResult<{ n: number }>>(client, 'SELECT $1::int AS n', [7], scope.signal);
      expect(result.rows[0]!.n).toBe(7);
    } finally {
      client.release();
    }
  });
});
