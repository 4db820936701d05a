import type { Knex } from 'knex';
import { SERVER_FAILURE_REASONS } from '../../../shared/constants';
import type { DefinitionSnapshot } from '../domain/definition';
import type { Outcome } from '../domain/outcomes';
import { PENDING_RESULT_STATUSES, RESULT_TRANSITIONS } from '../domain/states';
import { timestamp, TIMESTAMP_SQL, type Dialect } from './dialect';
import type { Tables } from './tables';

/**
 * The delivery queue is the results table itself. Every statement here is atomic on its own, so any
 * number of workers (in one or several Strapi instances) share the queue with no other coordination.
 */


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

/** A row of CLAIMED_COLUMNS: ids come back as strings from PostgreSQL's bigint columns. */
interface ClaimedRow {
  id: number | string;
  run_id: number | string;
  invoice_id: number | string | null;
  customer_id: number | string | null;
  recipient: string | null;
  recipient_name: string | null;
  attempts: number | string;
}

const toClaimedResult = (row: ClaimedRow): ClaimedResult => ({
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
export async function findMessageResults(
  knex: Knex,
  t: Tables,
  resultDocumentId: string
): Promise<{ requestedId: number; skipped: { reason: string } } | { requestedId: number; group: ClaimedResult[] } | undefined> {
  const result: (ClaimedRow & { status: string; reason: string | null }) | undefined = await knex(t.results)
    .select([...CLAIMED_COLUMNS, 'status', 'reason'])
    .where('document_id', resultDocumentId)
    .first();
  if (!result) return undefined;
  if (result.status === 'skipped') return { requestedId: Number(result.id), skipped: { reason: result.reason ?? '' } };
  const run: { definition_snapshot: string | DefinitionSnapshot } | undefined = await knex(t.runs)
    .select('definition_snapshot')
    .where('id', result.run_id)
    .first();
  // JSON is text on SQLite, parsed by the driver on PostgreSQL.
  const snapshot = typeof run?.definition_snapshot === 'string' ? (JSON.parse(run.definition_snapshot) as DefinitionSnapshot) : run?.definition_snapshot;
  const rows: ClaimedRow[] = snapshot?.collate
    ? await knex(t.results)
        .select(CLAIMED_COLUMNS)
        .where({ run_id: result.run_id, customer_id: result.customer_id })
        .whereNot('status', 'skipped')
        .orderBy('id')
    : [result];
  return { requestedId: Number(result.id), group: rows.map(toClaimedResult) };
}

/**
 * Results whose worker stopped renewing its claim (crashed, killed) go back to the queue. Among them
 * are the messages it had handed to SMTP (`handed_at`) without recording the outcome: the only ones
 * that may reach a customer twice. Returns each with the worker that held it, for its history: read
 * first under a row lock (RETURNING would give the new, empty `locked_by`); call it in a transaction.
 */
export async function requeueExpiredClaims(trx: Knex, t: Tables, dialect: Dialect, now: Date, leaseSeconds: number) {
  const expired = (query: Knex.QueryBuilder) =>
    query
      .where('status', 'sending')
      .where('locked_at', '<', timestamp(trx, new Date(now.getTime() - leaseSeconds * 1000)));
  const read = expired(trx(t.results).select('id', 'run_id', 'locked_by', 'handed_at'));
  // SQLite has one writer: no other can change the rows between the two statements of the transaction.
  const held: { id: number | string; run_id: number | string; locked_by: string | null; handed_at: unknown }[] =
    dialect.client === 'postgres' ? await read.forUpdate() : await read;
  if (!held.length) return [];
  const heldIds = held.map((row) => row.id);
  const requeued: { id: number | string }[] = await expired(trx(t.results).whereIn('id', heldIds)).update(
    { status: 'queued', locked_by: null, locked_at: null, updated_at: timestamp(trx, now) },
    ['id']
  );
  const ids = new Set(requeued.map((row) => Number(row.id)));
  return held
    .filter((row) => ids.has(Number(row.id)))
    .map((row) => ({
      id: Number(row.id),
      runId: Number(row.run_id),
      worker: row.locked_by,
      handedOver: row.handed_at !== null,
    }));
}

/** A worker's heartbeat: renews the lease of every result it holds, in one statement. */
export async function renewClaims(knex: Knex, t: Tables, workerId: string, now: Date) {
  return knex(t.results)
    .where('status', 'sending')
    .where('locked_by', workerId)
    .update({ locked_at: timestamp(knex, now) });
}

/** Coalesce lets PostgreSQL find the rows by primary key (see recordOutcomes). */
const stillClaimedBy = (query: Knex.QueryBuilder, t: Tables, workerId: string) =>
  query.whereRaw(`coalesce(??, '') = 'sending'`, [`${t.results}.status`]).where(`${t.results}.locked_by`, workerId);

/**
 * Marks results as handed to SMTP, right before their messages go to the mail thread: only those this
 * worker still holds and has not handed over in this claim, of runs still running. Returns the ids it
 * marked; only their messages may be sent. A claim another worker took over (its lease ran out) or
 * that Stop returned to the queue is not among them, so it is never sent by this worker.
 */
export async function handOver(knex: Knex, t: Tables, workerId: string, resultIds: number[], now: Date) {
  const rows: { id: number | string }[] = await stillClaimedBy(knex(t.results).whereIn('id', resultIds), t, workerId)
    .whereNull('handed_at')
    .whereExists(
      knex(t.runs).select(knex.raw('1')).whereRaw('?? = ??', [`${t.runs}.id`, `${t.results}.run_id`]).where(`${t.runs}.status`, 'running')
    )
    .update({ handed_at: timestamp(knex, now), locked_at: timestamp(knex, now) }, ['id']);
  return new Set(rows.map((row) => Number(row.id)));
}

/** Back to the queue, as if never claimed (the attempt did not happen). */
const unclaimed = (knex: Knex, now: Date) => ({
  status: 'queued',
  attempts: knex.raw('attempts - 1'),
  locked_by: null,
  locked_at: null,
  updated_at: timestamp(knex, now),
});

/** Returns results this worker claimed but will not hand over (their run was stopped) to the queue. */
export async function releaseClaims(knex: Knex, t: Tables, workerId: string, resultIds: number[], now: Date) {
  return stillClaimedBy(knex(t.results).whereIn('id', resultIds), t, workerId)
    .whereNull('handed_at')
    .update(unclaimed(knex, now));
}

/**
 * Stop: the run's claimed results that no worker has handed to SMTP yet go back to the queue at once;
 * the handed ones finish and record their outcome. Workers check the run's status when they hand a
 * message over, so nothing of the run is handed once Stop is committed.
 */
export async function releaseRunClaims(knex: Knex, t: Tables, runId: number, now: Date) {
  return knex(t.results)
    .where('run_id', runId)
    .where('status', 'sending')
    .whereNull('handed_at')
    .update(unclaimed(knex, now));
}

/**
 * Results this worker claimed but whose recipient domain's limit has no room for them soon go back to
 * the queue, each due at the time given (not counted as an attempt), so that they do not hold up the
 * results for other domains.
 */
export async function deferClaims(knex: Knex, t: Tables, workerId: string, deferrals: { resultIds: number[]; at: Date }[], now: Date) {
  for (const { resultIds, at } of deferrals) {
    await stillClaimedBy(knex(t.results).whereIn('id', resultIds), t, workerId)
      .whereNull('handed_at')
      .update({ ...unclaimed(knex, now), next_attempt_at: timestamp(knex, at) });
  }
}

/**
 * A run that paused itself: its results waiting to retry after a failure of the server (not of their
 * recipient) are queued again, to go as soon as the run is started.
 */
export async function requeueServerFailures(knex: Knex, t: Tables, runId: number, now: Date) {
  return knex(t.results)
    .where('run_id', runId)
    .whereIn('status', RESULT_TRANSITIONS.requeueServerFailure.from)
    .whereIn('reason', SERVER_FAILURE_REASONS)
    .update({ status: 'queued', reason: null, next_attempt_at: null, updated_at: timestamp(knex, now) });
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
  // On PostgreSQL the claim share-locks the run: a Stop under way waits for it to commit (and then
  // returns what it claimed to the queue), or it waits for Stop and finds the run stopped.
  const runLock = dialect.client === 'postgres' ? 'FOR SHARE' : '';
  // A queued result may be deferred (its domain's limit): due once its time has come, like a retry.
  const notBefore = (alias: string) => `(${alias}.next_attempt_at IS NULL OR ${alias}.next_attempt_at <= CAST(:now AS TIMESTAMP))`;
  const due = (alias: string) =>
    `(${alias}.status = 'queued' AND ${notBefore(alias)} OR (${alias}.status = 'retrying' AND ${alias}.next_attempt_at <= CAST(:now AS TIMESTAMP)))`;
  // Each arm is one index range with its own limit; ORDER BY over an OR of both would sort the whole run.
  const firstDue = (condition: string) =>
    `SELECT * FROM (SELECT id, customer_id FROM ${t.results} WHERE run_id = :runId AND ${condition} ORDER BY id LIMIT :candidates) arm`;
  const sql = `
    WITH candidates AS (
      ${firstDue(`status = 'queued' AND ${notBefore(t.results)}`)}
      UNION ALL
      ${firstDue(`status = 'retrying' AND next_attempt_at <= CAST(:now AS TIMESTAMP)`)}
    ), leaders AS (
      SELECT r.id, r.customer_id FROM ${t.results} r
      WHERE ${dialect.inValuesOf('r.id', 'SELECT id FROM candidates')} AND r.run_id = :runId AND ${due('r')}
      ${
        collated
          ? `AND NOT EXISTS (SELECT 1 FROM ${t.results} earlier
               WHERE earlier.run_id = r.run_id AND earlier.customer_id = r.customer_id AND earlier.id < r.id
                 AND earlier.status IN (${PENDING_RESULT_STATUSES.map((status) => `'${status}'`).join(', ')}))`
          : ''
      }
      AND EXISTS (SELECT 1 FROM ${t.runs} run WHERE run.id = :runId AND run.status = 'running' ${runLock})
      ORDER BY r.id
      LIMIT :limit
      ${dialect.lockSkippingLocked('r')}
    )
    UPDATE ${t.results}
    SET status = 'sending', locked_by = :workerId, locked_at = CAST(:now AS TIMESTAMP), handed_at = NULL,
        attempts = attempts + 1, last_attempt_at = CAST(:now AS TIMESTAMP), updated_at = CAST(:now AS TIMESTAMP)
    WHERE run_id = :runId AND ${due(t.results)}
      AND (${dialect.inValuesOf('id', 'SELECT id FROM leaders')}${
        collated ? ` OR ${dialect.inValuesOf('customer_id', 'SELECT customer_id FROM leaders')}` : ''
      })
    RETURNING ${CLAIMED_COLUMNS.join(', ')}`;
  const result = await knex.raw(sql, { now, runId, limit, candidates: limit * CANDIDATES_PER_CLAIM, workerId });
  const rows: ClaimedRow[] = dialect.client === 'postgres' ? result.rows : result;
  return rows.map(toClaimedResult);
}

/** A result as an outcome write left it: what its history entry and a failure's webhook say. */
export interface RecordedResult {
  id: number;
  runId: number;
  documentId: string;
  /** As written: a server failure of a run no longer running is `queued`, not the outcome's `retrying`. */
  status: string;
  reason: string | null;
  error: string | null;
  recipient: string | null;
  messageId: string | null;
  attempts: number;
}
const RECORDED_COLUMNS = [
  'id',
  'run_id',
  'document_id',
  'status',
  'reason',
  'error',
  'recipient',
  'message_id',
  'attempts',
];

/**
 * Records the outcomes of messages on their results, in one statement for all of them, and only
 * while this worker still holds each result: a late or duplicate worker whose claim expired cannot
 * overwrite what another recorded. Returns the results it recorded. The status test is wrapped
 * in coalesce so that PostgreSQL finds the rows by primary key: its statistics, taken while the
 * results were queued, see no `sending` rows, and would otherwise walk the status index (EXPLAIN
 * showed it) through the entries the claims left behind, instead of five primary-key lookups.
 */
export async function recordOutcomes(
  knex: Knex,
  t: Tables,
  dialect: Dialect,
  workerId: string,
  outcomes: { resultIds: number[]; outcome: Outcome }[],
  now: Date
) {
  const rows = outcomes.flatMap(({ resultIds, outcome }) => resultIds.map((id) => ({ id, ...outcome })));
  if (!rows.length) return [];
  const values = rows
    .map(() => `(CAST(? AS INTEGER), ?, ?, ?, ?, ?, ${TIMESTAMP_SQL}, ${TIMESTAMP_SQL}, ?, ?, CAST(? AS INTEGER), ?, ?)`)
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
    row.recipient?.address ?? null,
    row.recipient?.name ?? null,
    row.uncounted ? 1 : 0,
    // The message as sent: every outcome sets them, as it sets message_id (null unless sent).
    row.sha256 ?? null,
    row.archiveKey ?? null,
  ]);
  // A server failure of a run that is no longer running (it paused, or was stopped, meanwhile) is
  // queued at once, like the run's others: it waits for Start, not for its retry time.
  // On PostgreSQL it share-locks the run, as a claim does: a pause under way (it queues the run's
  // server failures) waits for this write to commit, or this write waits for the pause and sees it.
  const runLock = dialect.client === 'postgres' ? 'FOR SHARE' : '';
  // (The status is read from the locked row: a filter on it would pass over the row Stop is changing.)
  const waitsForStart = `outcome.uncounted = 1 AND (SELECT run.status FROM ${t.runs} run WHERE run.id = ${t.results}.run_id ${runLock}) <> 'running'`;
  const sql = `
    WITH outcome (id, status, reason, error, response, message_id, sent_at, next_attempt_at, recipient, recipient_name, uncounted,
                  sha256, archive_key) AS (VALUES ${values})
    UPDATE ${t.results}
    SET status = CASE WHEN ${waitsForStart} THEN 'queued' ELSE outcome.status END,
        reason = CASE WHEN ${waitsForStart} THEN NULL ELSE outcome.reason END,
        error = outcome.error, response = outcome.response, message_id = outcome.message_id, sent_at = outcome.sent_at,
        next_attempt_at = CASE WHEN ${waitsForStart} THEN NULL ELSE outcome.next_attempt_at END,
        attempts = ${t.results}.attempts - outcome.uncounted,
        recipient = coalesce(outcome.recipient, ${t.results}.recipient),
        recipient_name = CASE WHEN outcome.recipient IS NULL THEN ${t.results}.recipient_name ELSE outcome.recipient_name END,
        locked_by = NULL, locked_at = NULL, updated_at = ${TIMESTAMP_SQL},
        sha_256 = outcome.sha256, archive_key = outcome.archive_key
    FROM outcome
    WHERE ${t.results}.id = outcome.id AND coalesce(${t.results}.status, '') = 'sending' AND ${t.results}.locked_by = ?
    RETURNING ${RECORDED_COLUMNS.map((column) => `${t.results}.${column}`).join(', ')}`;
  const result = await knex.raw(sql, [...bindings, now, workerId]);
  const recorded: (Omit<RecordedResult, 'id' | 'runId' | 'documentId' | 'messageId' | 'attempts'> & {
    id: number | string;
    run_id: number | string;
    document_id: string;
    message_id: string | null;
    attempts: number | string;
  })[] = Array.isArray(result) ? result : result.rows;
  return recorded.map(
    (row): RecordedResult => ({
      id: Number(row.id),
      runId: Number(row.run_id),
      documentId: row.document_id,
      status: row.status,
      reason: row.reason,
      error: row.error,
      recipient: row.recipient,
      messageId: row.message_id,
      attempts: Number(row.attempts),
    })
  );
}
