import type { Knex } from 'knex';
import type { Tables } from './tables';
import { timestamp } from './dialect';

/** Names one actor's key: `scope` is the actor, `key` the header's value. */
export interface KeyRef {
  scope: string;
  key: string;
}

export interface StoredKey {
  fingerprint: string;
  responseStatus: number | null;
  responseBody: string | null;
}

/**
 * Takes `ref` for the request `holder` in one statement: it inserts a pending row, or takes the row
 * over when it has expired (first sent before `expiredBefore`) or when it was left pending, for the same
 * request, since before `abandonedBefore` (its instance died). The key is unique per scope, and the
 * update's condition is checked on the row as the database has it when it writes, so of two requests
 * at once exactly one wins. True when `holder` has the key and must act.
 */
export async function claimKey(
  knex: Knex,
  t: Tables,
  ref: KeyRef,
  fingerprint: string,
  holder: string,
  { now, expiredBefore, abandonedBefore }: { now: Date; expiredBefore: Date; abandonedBefore: Date }
) {
  const result = await knex.raw(
    `INSERT INTO ${t.idempotencyKeys} (scope, idempotency_key, fingerprint, holder, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (scope, idempotency_key) DO UPDATE SET fingerprint = excluded.fingerprint, holder = excluded.holder,
       response_status = NULL, response_body = NULL, created_at = excluded.created_at, updated_at = excluded.updated_at
     WHERE ${t.idempotencyKeys}.created_at < ?
        OR (${t.idempotencyKeys}.response_status IS NULL AND ${t.idempotencyKeys}.fingerprint = excluded.fingerprint
            AND ${t.idempotencyKeys}.created_at < ?)
     RETURNING id`,
    [ref.scope, ref.key, fingerprint, holder, timestamp(knex, now), timestamp(knex, now), timestamp(knex, expiredBefore), timestamp(knex, abandonedBefore)]
  );
  const rows = Array.isArray(result) ? result : result.rows;
  return rows.length === 1;
}

/** The key's row as it is now, or undefined (never sent, or given up by a request that failed). */
export async function readKey(knex: Knex, t: Tables, ref: KeyRef): Promise<StoredKey | undefined> {
  const row = await knex(t.idempotencyKeys)
    .where({ scope: ref.scope, idempotency_key: ref.key })
    .first('fingerprint', 'response_status as responseStatus', 'response_body as responseBody');
  return row && { ...row, responseStatus: row.responseStatus === null ? null : Number(row.responseStatus) };
}

/** Stores the answer of `holder`'s request, if `holder` still has the key (nobody took it over). */
export async function recordAnswer(knex: Knex, t: Tables, ref: KeyRef, holder: string, status: number, body: string, now: Date) {
  await knex(t.idempotencyKeys)
    .where({ scope: ref.scope, idempotency_key: ref.key, holder })
    .update({ response_status: status, response_body: body, holder: null, updated_at: timestamp(knex, now) });
}

/** Gives the key up, if `holder` still has it: the request did not act (or failed), so a retry may. */
export async function releaseKey(knex: Knex, t: Tables, ref: KeyRef, holder: string) {
  await knex(t.idempotencyKeys).where({ scope: ref.scope, idempotency_key: ref.key, holder }).delete();
}

/** Deletes every key first sent before `cutoff`, in one statement; how many. */
export async function deleteKeysBefore(knex: Knex, t: Tables, cutoff: Date): Promise<number> {
  return knex(t.idempotencyKeys).where('created_at', '<', timestamp(knex, cutoff)).delete();
}
