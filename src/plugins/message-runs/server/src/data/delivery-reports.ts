import type { Knex } from 'knex';
import type { SuppressionReason } from '../../../shared/constants';
import { RESULT_TRANSITIONS } from '../domain/states';
import { timestamp, TIMESTAMP_SQL, type Dialect } from './dialect';
import type { Tables } from './tables';

/** A result a delivery report may be about. */
export interface ReportedResult {
  id: number;
  runId: number;
  documentId: string;
  status: string;
  recipient: string | null;
  messageId: string | null;
}

/**
 * The results that result ids or Message-IDs name, with every result that went in the same message
 * (a collated message covers several invoices, and its return path names only the first).
 */
export async function findReportedResults(knex: Knex, t: Tables, resultIds: number[], messageIds: string[]) {
  if (!resultIds.length && !messageIds.length) return [];
  const siblings = knex(t.results).select('message_id').whereIn('id', resultIds).whereNotNull('message_id');
  const rows = await knex(t.results)
    .select('id', 'run_id', 'document_id', 'status', 'recipient', 'message_id')
    .whereIn('id', resultIds)
    .orWhereIn('message_id', messageIds)
    .orWhereIn('message_id', siblings);
  return rows.map(
    (row): ReportedResult => ({
      id: Number(row.id),
      runId: Number(row.run_id),
      documentId: row.document_id,
      status: row.status,
      recipient: row.recipient,
      messageId: row.message_id,
    })
  );
}

/** The result's status (`column`) allows the report's (domain/states.ts): a bounce of a sent result, a complaint of a sent or bounced one. */
const reportable = (column: string, action: 'bounce' | 'complain') => {
  const { from, to } = RESULT_TRANSITIONS[action];
  return `(${column} IN (${from.map((status) => `'${status}'`).join(', ')}) AND report.status = '${to[0]}')`;
};

/**
 * Hard bounces and complaints: a `sent` result becomes `bounced` or `complained` (a bounced one may
 * still become `complained`), the report's status code and diagnostic in `error`. Returns the ids
 * changed, in one statement.
 */
export async function markReported(
  knex: Knex,
  t: Tables,
  changes: { id: number; status: 'bounced' | 'complained'; error: string | null }[],
  now: Date
) {
  if (!changes.length) return [];
  const values = changes.map(() => '(CAST(? AS INTEGER), ?, ?)').join(', ');
  const result = await knex.raw(
    `WITH report (id, status, error) AS (VALUES ${values})
     UPDATE ${t.results}
     SET status = report.status, error = report.error, updated_at = ${TIMESTAMP_SQL}
     FROM report
     WHERE ${t.results}.id = report.id
       AND (${reportable(`${t.results}.status`, 'bounce')} OR ${reportable(`${t.results}.status`, 'complain')})
     RETURNING ${t.results}.id`,
    [...changes.flatMap((change) => [change.id, change.status, change.error]), now]
  );
  return ((Array.isArray(result) ? result : result.rows) as { id: number | string }[]).map((row) => Number(row.id));
}

/** Delivered: the first report's time, kept. */
export async function markDelivered(knex: Knex, t: Tables, deliveries: { id: number; at: Date }[], now: Date) {
  if (!deliveries.length) return;
  const values = deliveries.map(() => `(CAST(? AS INTEGER), ${TIMESTAMP_SQL})`).join(', ');
  await knex.raw(
    `WITH report (id, delivered_at) AS (VALUES ${values})
     UPDATE ${t.results}
     SET delivered_at = report.delivered_at, updated_at = ${TIMESTAMP_SQL}
     FROM report
     WHERE ${t.results}.id = report.id AND ${t.results}.delivered_at IS NULL`,
    [...deliveries.flatMap((delivery) => [delivery.id, delivery.at]), now]
  );
}

/** Puts addresses on the suppression list (lower-cased); an address already there keeps its entry. */
export async function suppress(
  knex: Knex,
  t: Tables,
  dialect: Dialect,
  entries: { address: string; reason: SuppressionReason; source: string }[],
  now: Date
) {
  const unique = new Map(entries.map((entry) => [entry.address.trim().toLowerCase(), entry]));
  if (!unique.size) return;
  const rows = [...unique].map(([address, entry]) => ({
    document_id: dialect.newDocumentId(knex),
    address,
    reason: entry.reason,
    source: entry.source.slice(0, 255),
    created_at: timestamp(knex, now),
    updated_at: timestamp(knex, now),
    published_at: timestamp(knex, now),
  }));
  await knex(t.suppressions).insert(rows).onConflict('address').ignore();
}
