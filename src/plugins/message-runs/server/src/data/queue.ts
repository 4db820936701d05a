import type { Knex } from 'knex';
import type { Dialect } from './dialect';
import type { Tables } from './tables';

/**
 * The delivery queue is the results table itself. Every statement here is atomic on its own, so any
 * number of workers (in one or several Strapi instances) share the queue with no other coordination.
 */

const timestamp = (knex: Knex, date: Date) => knex.raw('CAST(? AS TIMESTAMP)', [date]);

export interface ClaimedResult {
  id: number;
  runId: number;
  invoiceId: number | null;
  customerId: number | null;
  recipient: string | null;
  recipientName: string | null;
  attempts: number;
}

const CLAIMED_COLUMNS = ['id', 'run_id', 'invoice_id', 'customer_id', 'recipient', 'recipient_name', 'attempts'];

const toClaimedResult = (row: any): ClaimedResult => ({
  id: Number(row.id),
  runId: Number(row.run_id),
  invoiceId: row.invoice_id === null ? null : Number(row.invoice_id),
  customerId: row.customer_id === null ? null : Number(row.customer_id),
  recipient: row.recipient,
  recipientName: row.recipient_name,
  attempts: Number(row.attempts),
});

/**
 * A result as the queue would claim it, with, in a collated run, the customer's other results of the
 * run that would go in the same message; nothing is claimed (for previews).
 */
export async function findMessageResults(knex: Knex, t: Tables, resultDocumentId: string) {
  const result = await knex(t.results).select(CLAIMED_COLUMNS).where('document_id', resultDocumentId).first();
  if (!result) return undefined;
  const run = await knex(t.runs).select('definition_snapshot').where('id', result.run_id).first();
  const snapshot = typeof run?.definition_snapshot === 'string' ? JSON.parse(run.definition_snapshot) : run?.definition_snapshot;
  const rows = snapshot?.collate
    ? await knex(t.results)
        .select(CLAIMED_COLUMNS)
        .where({ run_id: result.run_id, customer_id: result.customer_id })
        .whereNot('status', 'skipped')
        .orderBy('id')
    : [result];
  return { requestedId: Number(result.id), group: rows.map(toClaimedResult) };
}

/** Results whose worker stopped renewing its claim (crashed, killed) go back to the queue. */
export async function requeueExpiredClaims(knex: Knex, t: Tables, now: Date, leaseSeconds: number) {
  return knex(t.results)
    .where('status', 'sending')
    .where('locked_at', '<', timestamp(knex, new Date(now.getTime() - leaseSeconds * 1000)))
    .update({ status: 'queued', locked_by: null, locked_at: null, updated_at: timestamp(knex, now) });
}

/**
 * Claims up to `batchSize` due results of running runs for `workerId`, in one statement: queued
 * ones, and retrying ones whose time has come. With `collate`, the claim takes a customer's pending
 * results of the run together: only the lowest pending result of each customer (its "leader") can be
 * claimed, and it brings the others along, so no two workers ever split one customer's message.
 */
export async function claimResults(
  knex: Knex,
  t: Tables,
  dialect: Dialect,
  { workerId, batchSize, now }: { workerId: string; batchSize: number; now: Date }
): Promise<ClaimedResult[]> {
  const due = (alias: string) =>
    `(${alias}.status = 'queued' OR (${alias}.status = 'retrying' AND ${alias}.next_attempt_at <= CAST(:now AS TIMESTAMP)))`;
  const collated = dialect.jsonBoolean('run.definition_snapshot', 'collate');
  const sql = `
    WITH leaders AS (
      SELECT r.id, r.run_id, r.customer_id, ${collated} AS collated
      FROM ${t.results} r JOIN ${t.runs} run ON run.id = r.run_id
      WHERE run.status = 'running' AND ${due('r')}
        AND (NOT ${collated} OR NOT EXISTS (
          SELECT 1 FROM ${t.results} earlier
          WHERE earlier.run_id = r.run_id AND earlier.customer_id = r.customer_id AND earlier.id < r.id
            AND earlier.status IN ('queued', 'retrying', 'sending')))
      ORDER BY r.id
      LIMIT :batchSize
      ${dialect.lockSkippingLocked('r')}
    )
    UPDATE ${t.results}
    SET status = 'sending', locked_by = :workerId, locked_at = CAST(:now AS TIMESTAMP),
        attempts = attempts + 1, last_attempt_at = CAST(:now AS TIMESTAMP), updated_at = CAST(:now AS TIMESTAMP)
    WHERE ${due(t.results)}
      AND (id IN (SELECT id FROM leaders)
        OR EXISTS (SELECT 1 FROM leaders l
                   WHERE l.collated AND l.run_id = ${t.results}.run_id AND l.customer_id = ${t.results}.customer_id))
    RETURNING ${CLAIMED_COLUMNS.join(', ')}`;
  const result = await knex.raw(sql, { now, batchSize, workerId });
  const rows: any[] = dialect.client === 'postgres' ? result.rows : result;
  return rows.map(toClaimedResult).sort((a, b) => a.id - b.id);
}

export interface Outcome {
  status: 'sent' | 'retrying' | 'failed' | 'skipped';
  reason?: string | null;
  error?: string | null;
  response?: string | null;
  messageId?: string | null;
  nextAttemptAt?: Date | null;
}

/**
 * Records the outcomes of messages on their results, in one statement for all of them, and only
 * while this worker still holds each result: a late or duplicate worker whose claim expired cannot
 * overwrite what another recorded. The status test is wrapped in coalesce so that PostgreSQL finds
 * the rows by primary key: its statistics, taken while the results were queued, see no `sending`
 * rows, and would otherwise walk the status index (EXPLAIN showed it) through the entries the claims
 * left behind, instead of five primary-key lookups.
 */
export async function recordOutcomes(
  knex: Knex,
  t: Tables,
  workerId: string,
  outcomes: { resultIds: number[]; outcome: Outcome }[],
  now: Date
) {
  const rows = outcomes.flatMap(({ resultIds, outcome }) => resultIds.map((id) => ({ id, ...outcome })));
  if (!rows.length) return 0;
  const values = rows
    .map(() => '(CAST(? AS INTEGER), ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP))')
    .join(', ');
  const bindings = rows.flatMap((row) => [
    row.id,
    row.status,
    row.reason ?? null,
    row.error ?? null,
    row.response ?? null,
    row.messageId ?? null,
    row.status === 'sent' ? now : null,
    row.nextAttemptAt ?? null,
  ]);
  const sql = `
    WITH outcome (id, status, reason, error, response, message_id, sent_at, next_attempt_at) AS (VALUES ${values})
    UPDATE ${t.results}
    SET status = outcome.status, reason = outcome.reason, error = outcome.error, response = outcome.response,
        message_id = outcome.message_id, sent_at = outcome.sent_at, next_attempt_at = outcome.next_attempt_at,
        locked_by = NULL, locked_at = NULL, updated_at = CAST(? AS TIMESTAMP)
    FROM outcome
    WHERE ${t.results}.id = outcome.id AND coalesce(${t.results}.status, '') = 'sending' AND ${t.results}.locked_by = ?`;
  await knex.raw(sql, [...bindings, now, workerId]);
  return rows.length;
}

/** Running runs with nothing left to send: queued, being sent or waiting to retry. */
export async function findFinishedRunIds(knex: Knex, t: Tables) {
  const rows = await knex({ run: t.runs })
    .select('run.id')
    .where('run.status', 'running')
    .whereNotExists(
      knex({ r: t.results })
        .select(knex.raw('1'))
        .whereRaw('r.run_id = run.id')
        .whereIn('r.status', ['queued', 'sending', 'retrying'])
    );
  return rows.map((row) => Number(row.id));
}
