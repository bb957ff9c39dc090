// Reaching under a PostgreSQL journal in the worker tests: the work row of a run (who holds
// it, with which token, due when), and a lease taken away the way a worker that claimed the
// run after a lapse would (owner and token changed under the row lock).
import pg from 'pg';
import { runStream } from '../../../src/saga/index.js';
import { adminPool } from '../../helpers/pg.js';

/** A run's work row as the store keeps it. */
export interface WorkRow {
  readonly state: 'open' | 'done';
  readonly owner: string | null;
  readonly token: number;
  readonly dueAt: Date | null;
  readonly expiresAt: Date | null;
}

/** The work row of run `runId` in `schema`. */
export async function workOf(schema: string, runId: string): Promise<WorkRow | undefined> {
  const { rows } = await adminPool().query<{ state: 'open' | 'done'; owner: string | null; token: string; due_at: Date | null; expires_at: Date | null }>(
    `SELECT state, owner, token::text AS token, due_at, expires_at FROM ${pg.escapeIdentifier(schema)}.rewind_work WHERE stream = $1`,
    [runStream(runId)],
  );
  const row = rows[0];
  return row === undefined ? undefined : { state: row.state, owner: row.owner, token: Number(row.token), dueAt: row.due_at, expiresAt: row.expires_at };
}

/** Gives run `runId`'s lease to `owner` with a higher token, as a claim after a lapse would. */
export async function takeLease(schema: string, runId: string, owner: string): Promise<void> {
  await adminPool().query(
    `UPDATE ${pg.escapeIdentifier(schema)}.rewind_work SET owner = $2, token = token + 1, expires_at = now() + interval '1 hour' WHERE stream = $1`,
    [runStream(runId), owner],
  );
}

/** Releases run `runId`'s lease whoever holds it, as a lapse would, so a worker may claim it. */
export async function dropLease(schema: string, runId: string): Promise<void> {
  await adminPool().query(`UPDATE ${pg.escapeIdentifier(schema)}.rewind_work SET owner = NULL, expires_at = NULL WHERE stream = $1`, [runStream(runId)]);
}

export { until } from '../../helpers/until.js';
