import { createHash, randomBytes } from 'crypto';
import type { Knex } from 'knex';
import type { Actor, HistoryEvent } from '../../../shared/contracts/events';
import { toIsoTimestamp } from '../utils';
import { timestamp, TIMESTAMP_SQL, type Dialect } from './dialect';
import type { Tables } from './tables';

/**
 * The history of results and the audit trail of runs (DESIGN.md §3, "History"): entries are written
 * in the transaction of the change they record, a whole set of results in one statement.
 */

/** One entry of a result's history or of a run's audit trail (content type `message-event`). */
export interface NewEvent {
  runId: number;
  /** null for the run's own entries */
  resultId: number | null;
  type: string;
  at: Date;
  actor: Actor;
  detail?: Record<string, unknown> | null;
  /** Set for entries that may arrive twice (delivery reports): the second is not written. */
  dedupeKey?: string;
}

/**
 * The key of a run's `created` entry and of a result's `removed` entry: it keeps the documentId's row
 * id once the row is gone, so a deleted run's trail and a removed result's history can still be read
 * by documentId. (Not on each result's `created` entry: that unique key cost a third of the creation
 * entries' INSERT; the results of a deleted run are read through their run's trail only.)
 */
export const subjectKey = (kind: 'result' | 'run', documentId: string) =>
  `${kind === 'run' ? 'created' : 'removed'}:${kind}:${documentId}`;

/**
 * The key of a `test-sent` entry: `test-sent:<actor>:<at>:<random>`, the actor hashed and `at` in
 * milliseconds, both fixed-width alphanumerics, so the keys of one actor since a time are one range of
 * the unique `dedupe_key` index, in byte order and in any collation that ignores punctuation alike.
 * The per-actor rate limit counts that range: no index of its own on a table every run fills.
 */
const testSendPrefix = (actor: Actor) =>
  `test-sent:${createHash('sha256').update(JSON.stringify([actor.kind, actor.id, actor.name])).digest('hex').slice(0, 16)}:`;
const MS_DIGITS = 13;
const msKey = (at: Date) => String(at.getTime()).padStart(MS_DIGITS, '0');

export const testSendKey = (actor: Actor, at: Date) => `${testSendPrefix(actor)}${msKey(at)}:${randomBytes(6).toString('hex')}`;

/** The `at` of the actor's test-sends since `since`, oldest first. */
export async function findTestSendTimes(knex: Knex, t: Tables, actor: Actor, since: Date): Promise<Date[]> {
  const prefix = testSendPrefix(actor);
  const keys: { dedupe_key: string }[] = await knex(t.events)
    .select('dedupe_key')
    .where('dedupe_key', '>=', prefix + msKey(since))
    // 'z' sorts after every digit, as ':' after the prefix's last character would not in every collation.
    .where('dedupe_key', '<', `${prefix}z`)
    .orderBy('dedupe_key');
  return keys.map((row) => new Date(Number(row.dedupe_key.slice(prefix.length, prefix.length + MS_DIGITS))));
}

/** Rows per INSERT of entries listed in JS: well below SQLite's limit of bound values per statement. */
const ROWS_PER_INSERT = 500;

const eventRow = (knex: Knex, dialect: Dialect, event: NewEvent, now: Date) => ({
  document_id: dialect.newDocumentId(knex),
  run_id: event.runId,
  result_id: event.resultId,
  type: event.type,
  at: timestamp(knex, event.at),
  actor_kind: event.actor.kind,
  actor_id: event.actor.id,
  actor_name: event.actor.name,
  // Strapi keeps JSON as text on SQLite; PostgreSQL's jsonb takes the same text.
  detail: event.detail ? JSON.stringify(event.detail) : null,
  dedupe_key: event.dedupeKey ?? null,
  created_at: timestamp(knex, now),
  updated_at: timestamp(knex, now),
  published_at: timestamp(knex, now),
});

/**
 * Writes entries in one statement. Those whose `dedupeKey` is already written are passed over; returns
 * the keys written, so the caller applies what a report changes exactly once, in the same transaction.
 */
export async function insertEvents(knex: Knex, t: Tables, dialect: Dialect, events: NewEvent[], now: Date) {
  if (!events.length) return new Set<string>();
  const rows = events.map((event) => eventRow(knex, dialect, event, now));
  const written: { dedupe_key: string | null }[] = await knex(t.events)
    .insert(rows, ['dedupe_key'])
    .onConflict('dedupe_key')
    .ignore();
  return new Set(written.map((row) => row.dedupe_key).filter((key): key is string => key !== null));
}

/** Writes entries that cannot arrive twice (outcomes, a run's actions), ROWS_PER_INSERT a statement. */
export async function appendEvents(knex: Knex, t: Tables, dialect: Dialect, events: NewEvent[], now: Date) {
  for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
    await knex(t.events).insert(
      events.slice(start, start + ROWS_PER_INSERT).map((event) => eventRow(knex, dialect, event, now))
    );
  }
}

/** A run's own entry; `created` carries the run's key (see createdKey). */
export async function appendRunEvent(
  knex: Knex,
  t: Tables,
  dialect: Dialect,
  event: Omit<NewEvent, 'resultId' | 'dedupeKey'> & { documentId?: string },
  now: Date
) {
  const { documentId, ...entry } = event;
  await knex(t.events).insert(
    eventRow(knex, dialect, { ...entry, resultId: null, dedupeKey: documentId && subjectKey('run', documentId) }, now)
  );
}

/** One entry per result the `from` clause (alias `r`, with its bindings) selects, type and detail computed from the row. */
async function insertEventsOfResults(
  knex: Knex,
  t: Tables,
  dialect: Dialect,
  entry: { documentId: string; type: string; detail: string; actor: Actor; at: Date },
  from: { sql: string; bindings: unknown[] },
  now: Date
) {
  const columns = [
    'document_id',
    'run_id',
    'result_id',
    'type',
    'at',
    'actor_kind',
    'actor_id',
    'actor_name',
    'detail',
    'dedupe_key',
    'created_at',
    'updated_at',
    'published_at',
  ];
  const ts = TIMESTAMP_SQL;
  await knex.raw(
    `INSERT INTO ?? (${columns.map(() => '??').join(', ')})
     SELECT ${entry.documentId}, r.run_id, r.id, ${entry.type}, ${ts}, ?, ?, ?, ${entry.detail}, NULL, ${ts}, ${ts}, ${ts}
     ${from.sql}`,
    [
      t.events,
      ...columns,
      entry.at,
      entry.actor.kind,
      entry.actor.id,
      entry.actor.name,
      now,
      now,
      now,
      ...from.bindings,
    ]
  );
}

/**
 * `created` for each result of a new run, `skipped` with its reason for each skipped one, in one
 * INSERT … SELECT (in the creation's transaction).
 */
export async function insertCreationEvents(
  trx: Knex,
  t: Tables,
  dialect: Dialect,
  runId: number,
  actor: Actor,
  now: Date
) {
  await insertEventsOfResults(
    trx,
    t,
    dialect,
    {
      // One creation entry per result: its id makes the entry's document id (see Dialect.documentIdOf).
      documentId: dialect.documentIdOf('c', 'r.id'),
      type: `CASE WHEN r.status = 'skipped' THEN 'skipped' ELSE 'created' END`,
      detail: `CASE WHEN r.reason IS NULL THEN NULL ELSE ${dialect.jsonObject(`'reason', r.reason`)} END`,
      actor,
      at: now,
    },
    { sql: `FROM ${t.results} r WHERE r.run_id = ?`, bindings: [runId] },
    now
  );
}

/** `resent` for each result a resend changed, with the status and skip reason it got, in one statement. */
export async function insertResendEvents(
  trx: Knex,
  t: Tables,
  dialect: Dialect,
  resultIds: number[],
  actor: Actor,
  now: Date
) {
  if (!resultIds.length) return;
  await insertEventsOfResults(
    trx,
    t,
    dialect,
    {
      documentId: dialect.newDocumentId(trx).toQuery(),
      type: `'resent'`,
      detail: dialect.jsonObject(`'status', r.status, 'reason', r.reason`),
      actor,
      at: now,
    },
    {
      sql: `FROM ${t.results} r WHERE r.id IN (${dialect.integersOfJson('?')})`,
      bindings: [JSON.stringify(resultIds)],
    },
    now
  );
}

/**
 * The row id of a result or run named by documentId: the live row's, else (removed, deleted) the one
 * its entry recorded (see subjectKey); undefined when neither exists.
 */
export async function findSubjectId(knex: Knex, t: Tables, kind: 'result' | 'run', documentId: string) {
  const live = await knex(kind === 'result' ? t.results : t.runs)
    .select('id')
    .where('document_id', documentId)
    .first();
  if (live) return Number(live.id);
  const created = await knex(t.events)
    .select(kind === 'result' ? 'result_id' : 'run_id')
    .where('dedupe_key', subjectKey(kind, documentId))
    .first();
  return created ? Number(created[kind === 'result' ? 'result_id' : 'run_id']) : undefined;
}

/**
 * The newest `limit` entries of a result (or of a run: its own, not its results'), oldest first, by
 * id, and whether older ones were left out; each read is one range of an index.
 */
export async function findEvents(
  knex: Knex,
  t: Tables,
  subject: { resultId: number } | { runId: number },
  limit: number
) {
  const query = knex(t.events).select('id', 'type', 'at', 'actor_kind', 'actor_id', 'actor_name', 'detail');
  if ('resultId' in subject) query.where('result_id', subject.resultId);
  else query.where('run_id', subject.runId).whereNull('result_id');
  const rows = await query.orderBy('id', 'desc').limit(limit + 1);
  const events = rows
    .slice(0, limit)
    .reverse()
    .map(
      (row): HistoryEvent => ({
        at: toIsoTimestamp(row.at)!,
        type: row.type,
        actor: { kind: row.actor_kind, id: row.actor_id ?? null, name: row.actor_name ?? null },
        detail: typeof row.detail === 'string' ? JSON.parse(row.detail) : (row.detail ?? null),
      })
    );
  return { events, truncated: rows.length > limit };
}
