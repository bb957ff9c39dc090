import { connect, type Socket } from 'node:net';
import { InvalidArgumentError } from '../errors.js';

/**
 * The subset of a `pg` `Client` / `PoolClient` that {@link queryWithSignal} uses. Declared
 * structurally so that `rewind/scope` never imports `pg`: a user's own client plugs in.
 * `processID` and `secretKey` are set by `pg` after connecting but missing from its types.
 */
export interface PgCancelableClient {
  query(text: string, values?: unknown[]): Promise<unknown>;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
}

interface PgBackendKey {
  readonly processID?: number | null;
  readonly secretKey?: number | null;
}

const CANCEL_REQUEST_CODE = 80877102;
const QUERY_CANCELED = '57014';

/**
 * Runs a query on a connected `pg` client and cancels it on the server when `signal`
 * aborts: a PostgreSQL CancelRequest is sent for the client's backend, the server stops
 * the statement, and the promise rejects with the signal's reason (the server's error as
 * its `cause`). The connection stays healthy: release it to its pool as usual.
 *
 * Dropping the promise alone would leave the statement running and the connection busy;
 * `pg` has no typed public cancel call, so the 16-byte CancelRequest of the wire protocol
 * is sent here on a fresh socket, which is all the protocol asks for (no authentication).
 * Before settling, it waits for the server to close that socket, so the cancel cannot hit
 * a later statement on the same connection.
 *
 * @throws {@link InvalidArgumentError} when the client is not connected (no backend key).
 * @throws the signal's reason when it aborts; the query's own error otherwise.
 */
export async function queryWithSignal<R = unknown>(
  client: PgCancelableClient,
  text: string,
  values: unknown[] | undefined,
  signal: AbortSignal,
): Promise<R> {
  if (signal.aborted) throw signal.reason;
  const key = client as PgCancelableClient & PgBackendKey;
  if (typeof key.processID !== 'number' || typeof key.secretKey !== 'number') {
    throw new InvalidArgumentError({
      path: 'queryWithSignal.client',
      expected: 'a connected pg Client or PoolClient (with processID and secretKey)',
      got: client,
    });
  }
  let cancelSent: Promise<void> | undefined;
  const onAbort = (): void => {
    cancelSent = sendCancelRequest(client.host ?? 'localhost', client.port ?? 5432, key.processID!, key.secretKey!);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return (await client.query(text, values)) as R;
  } catch (error) {
    if (cancelSent !== undefined && (error as { code?: unknown }).code === QUERY_CANCELED) {
      throw signal.reason;
    }
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await cancelSent;
  }
}

function sendCancelRequest(host: string, port: number, processID: number, secretKey: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const message = Buffer.alloc(16);
    message.writeInt32BE(16, 0);
    message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
    message.writeInt32BE(processID, 8);
    message.writeInt32BE(secretKey, 12);
    const socket: Socket = host.startsWith('/') ? connect(`${host}/.s.PGSQL.${port}`) : connect(port, host);
    socket.once('connect', () => socket.write(message));
    // A cancel that cannot be delivered is not an error of the query: the statement then
    // simply runs to its end, as it would have without a signal.
    socket.once('error', () => resolve());
    socket.once('close', () => resolve());
  });
}
