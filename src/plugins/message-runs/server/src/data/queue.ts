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
  const snapshot =
    typeof run?.definition_snapshot === 'string' ? JSON.parse(run.definition_snapshot) : run?.definition_snapshot;
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

/** How many due results per run a claim looks at, per batch result: room to skip those other workers hold. */
const CANDIDATES_PER_CLAIM = 10;

/**
 * Claims up to `batchSize` due results of running runs for `workerId`: queued ones, and retrying ones
 * whose time has come. Each run's claim is one atomic statement. It looks only at the run's first due
 * results, read in id order from the (run_id, status, id) index, so a claim costs the same whether
 * the run holds a hundred results or a million (a join over all due results, sorted, took 350-500 ms
 * on PostgreSQL and made SQLite deliver 30 messages a second, on a 100k run). With `collate`, only the
 * lowest pending result of each customer (its "leader") can be claimed, and it brings the customer's
 * others along, so no two workers ever split one customer's message.
 */
export async function claimResults(
  knex: Knex,
  t: Tables,
  dialect: Dialect,
  { workerId, batchSize, now }: { workerId: string; batchSize: number; now: Date }
): Promise<ClaimedResult[]> {
  const runs: { id: number; collated: unknown }[] = await knex({ run: t.runs })
    .select('run.id', knex.raw(`${dialect.jsonBoolean('run.definition_snapshot', 'collate')} AS collated`))
    .where('run.status', 'running')
    .orderBy('run.id');
  const claimed: ClaimedResult[] = [];
  for (const run of runs) {
    if (claimed.length >= batchSize) break;
    const limit = batchSize - claimed.length;
    claimed.push(
      ...(await claimFromRun(knex, t, dialect, {
        runId: Number(run.id),
        collated: Boolean(run.collated),
        workerId,
        limit,
        now,
      }))
    );
  }
  return claimed.sort((a, b) => a.id - b.id);
}

async function claimFromRun(
  knex: Knex,
  t: Tables,
  dialect: Dialect,
  {
    runId,
    collated,
    workerId,
    limit,
    now,
  }: { runId: number; collated: boolean; workerId: string; limit: number; now: Date }
) {
  const due = (alias: string) =>
    `(${alias}.status = 'queued' OR (${alias}.status = 'retrying' AND ${alias}.next_attempt_at <= CAST(:now AS TIMESTAMP)))`;
  // Each arm is one index range with its own limit; ORDER BY over an OR of both would sort the whole run.
  const firstDue = (condition: string) =>
    `SELECT * FROM (SELECT id, customer_id FROM ${t.results} WHERE run_id = :runId AND ${condition} ORDER BY id LIMIT :candidates) arm`;
  const sql = `
    WITH candidates AS (
      ${firstDue(`status = 'queued'`)}
      UNION ALL
      ${firstDue(`status = 'retrying' AND next_attempt_at <= CAST(:now AS TIMESTAMP)`)}
    ), leaders AS (
      SELECT r.id, r.customer_id FROM ${t.results} r
      WHERE ${dialect.inValuesOf('r.id', 'SELECT id FROM candidates')} AND r.run_id = :runId AND ${due('r')}
      ${
        collated
          ? `AND NOT EXISTS (SELECT 1 FROM ${t.results} earlier
               WHERE earlier.run_id = r.run_id AND earlier.customer_id = r.customer_id AND earlier.id < r.id
                 AND earlier.status IN ('queued', 'retrying', 'sending'))`
          : ''
      }
      ORDER BY r.id
      LIMIT :limit
      ${dialect.lockSkippingLocked('r')}
    )
    UPDATE ${t.results}
    SET status = 'sending', locked_by = :workerId, locked_at = CAST(:now AS TIMESTAMP),
        attempts = attempts + 1, last_attempt_at = CAST(:now AS TIMESTAMP), updated_at = CAST(:now AS TIMESTAMP)
    WHERE run_id = :runId AND ${due(t.results)}
      AND (${dialect.inValuesOf('id', 'SELECT id FROM leaders')}${
        collated ? ` OR ${dialect.inValuesOf('customer_id', 'SELECT customer_id FROM leaders')}` : ''
      })
    RETURNING ${CLAIMED_COLUMNS.join(', ')}`;
  const result = await knex.raw(sql, { now, runId, limit, candidates: limit * CANDIDATES_PER_CLAIM, workerId });
  const rows: any[] = dialect.client === 'postgres' ? result.rows : result;
  return rows.map(toClaimedResult);
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
