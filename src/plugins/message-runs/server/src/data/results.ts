import type { Knex } from 'knex';
import { type ResultReason, type ResultStatus } from '../../../shared/constants';
import type { ResultCounts } from '../../../shared/contracts/runs';
import type { ResultSortKey } from '../../../shared/contracts/results';
import { timestamp, type Dialect } from './dialect';
import type { Eligibility } from '../domain/definition';
import { skipReasonCase, statusOfReasonSql } from '../domain/eligibility';
import { RESULT_TRANSITIONS } from '../domain/states';
import {
  hasTransformationResult,
  isSuppressed,
  selectInvoices,
  selectRecipientEmails,
  type SelectionCriteria,
} from './invoice-selection';
import type { Tables } from './tables';

/**
 * The results table: every statement here acts on a whole selection of results at once, so its cost
 * grows with the database's work per row, never with a round trip per row.
 */

/** Creates one result per matched invoice of a run, in one INSERT … SELECT. */
export async function insertResultsForRun(
  trx: Knex,
  t: Tables,
  dialect: Dialect,
  runId: number,
  criteria: SelectionCriteria,
  now: Date
) {
  await dialect.prepareBulkStatement(trx);
  const rows = trx
    .select(
      dialect.newDocumentId(trx),
      trx.raw('CAST(? AS INTEGER)', [runId]),
      'selection.invoice_id',
      'selection.customer_id',
      trx.raw(statusOfReasonSql('selection.reason')),
      'selection.reason',
      'selection.recipient',
      'selection.recipient_name',
      trx.raw('0'),
      timestamp(trx, now),
      timestamp(trx, now),
      timestamp(trx, now)
    )
    .from(selectInvoices(trx, t, criteria).as('selection'))
    // Insertion order is the list's default order and the queue's claim order.
    .orderBy(['selection.customer_code', 'selection.period_start', 'selection.invoice_id']);
  const columns = [
    'document_id',
    'run_id',
    'invoice_id',
    'customer_id',
    'status',
    'reason',
    'recipient',
    'recipient_name',
    'attempts',
    'created_at',
    'updated_at',
    'published_at',
  ];
  await trx.into(trx.raw('?? (??)', [t.results, columns])).insert(rows);
}

export interface ResultFilter {
  statuses?: ResultStatus[];
  /** case-insensitive part of the customer code or name, the invoice number or the recipient */
  q?: string;
}

const SORT_COLUMNS: Record<ResultSortKey, string> = {
  createdAt: 'result.id',
  status: 'result.status',
  recipient: 'result.recipient',
  attempts: 'result.attempts',
  lastAttemptAt: 'result.last_attempt_at',
  sentAt: 'result.sent_at',
  'invoice.number': 'invoice.number',
  'customer.code': 'customer.code',
  'customer.name': 'customer.name',
};

const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A run's results joined to their invoice and customer, filtered. */
function selectRunResults(knex: Knex, t: Tables, runId: number, filter: ResultFilter) {
  const query = knex({ result: t.results })
    .leftJoin({ invoice: t.invoices }, 'invoice.id', 'result.invoice_id')
    .leftJoin({ customer: t.customers }, 'customer.id', 'result.customer_id')
    .where('result.run_id', runId);
  if (filter.statuses?.length) {
    query.whereIn('result.status', filter.statuses);
  }
  if (filter.q) {
    const pattern = likePattern(filter.q);
    query.where((match) => {
      for (const column of ['customer.code', 'customer.name', 'invoice.number', 'result.recipient']) {
        match.orWhereRaw(`lower(??) like ? escape '\\'`, [column, pattern]);
      }
    });
  }
  return query;
}

const RESULT_ROW_COLUMNS = {
  id: 'result.id',
  documentId: 'result.document_id',
  status: 'result.status',
  reason: 'result.reason',
  error: 'result.error',
  recipient: 'result.recipient',
  attempts: 'result.attempts',
  lastAttemptAt: 'result.last_attempt_at',
  nextAttemptAt: 'result.next_attempt_at',
  sentAt: 'result.sent_at',
  deliveredAt: 'result.delivered_at',
  messageId: 'result.message_id',
  sha256: 'result.sha_256',
  invoiceDocumentId: 'invoice.document_id',
  invoiceNumber: 'invoice.number',
  invoicePeriodStart: 'invoice.period_start',
  invoicePeriodEnd: 'invoice.period_end',
  customerDocumentId: 'customer.document_id',
  customerCode: 'customer.code',
  customerName: 'customer.name',
} satisfies Record<keyof ResultRow, string>;
/** A result row as RESULT_ROW_COLUMNS reads it (timestamps: Date on PostgreSQL, epoch ms on SQLite). */
export interface ResultRow {
  id: number;
  documentId: string;
  status: ResultStatus;
  reason: ResultReason | null;
  error: string | null;
  recipient: string | null;
  attempts: number | string | null;
  lastAttemptAt: Date | number | string | null;
  nextAttemptAt: Date | number | string | null;
  sentAt: Date | number | string | null;
  deliveredAt: Date | number | string | null;
  messageId: string | null;
  sha256: string | null;
  invoiceDocumentId: string | null;
  invoiceNumber: string | null;
  invoicePeriodStart: string;
  invoicePeriodEnd: string;
  customerDocumentId: string | null;
  customerCode: string;
  customerName: string;
}

/** How many of a run's results match the filter (only a search needs the joined count). */
export async function countFilteredResults(
  knex: Knex,
  t: Tables,
  runId: number,
  filter: ResultFilter,
  counts: ResultCounts
) {
  if (!filter.q) {
    return filter.statuses?.length ? filter.statuses.reduce((sum, status) => sum + counts[status], 0) : counts.total;
  }
  const [{ n }] = await selectRunResults(knex, t, runId, filter).count({ n: '*' });
  return Number(n);
}

export async function findResultsPage(
  knex: Knex,
  t: Tables,
  runId: number,
  filter: ResultFilter,
  { page, pageSize, sort }: { page: number; pageSize: number; sort: { key: ResultSortKey; order: 'asc' | 'desc' } }
): Promise<ResultRow[]> {
  const sortColumn = SORT_COLUMNS[sort.key];
  const query = selectRunResults(knex, t, runId, filter).select(RESULT_ROW_COLUMNS);
  if (!filter.q) {
    // Picks the page's ids from the results table (joined only to the table the sort needs, if any),
    // then joins only those rows: on a result column the cost of a page stays that of an index range,
    // and on an invoice or customer column it sorts ids, not whole joined rows (by customer name on a
    // 100k run, PostgreSQL: 80 ms instead of 240).
    const sortTable = sortColumn.split('.')[0];
    const pageIds = knex({ result: t.results })
      .select('result.id')
      .where('result.run_id', runId)
      .modify((ids) => {
        if (sortTable === 'invoice') ids.leftJoin({ invoice: t.invoices }, 'invoice.id', 'result.invoice_id');
        if (sortTable === 'customer') ids.leftJoin({ customer: t.customers }, 'customer.id', 'result.customer_id');
      })
      .modify((ids) => filter.statuses?.length && ids.whereIn('result.status', filter.statuses))
      .orderBy(sortColumn, sort.order)
      .orderBy('result.id', sort.order)
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return query.whereIn('result.id', pageIds).orderBy(sortColumn, sort.order).orderBy('result.id', sort.order);
  }
  return query
    .orderBy(sortColumn, sort.order)
    .orderBy('result.id', sort.order)
    .limit(pageSize)
    .offset((page - 1) * pageSize);
}

/** All of a run's results in id order, a batch at a time (keyset paging keeps each query cheap). */
export async function* iterateResults(knex: Knex, t: Tables, runId: number, filter: ResultFilter, batchSize = 1000) {
  let afterId = 0;
  for (;;) {
    const rows: ResultRow[] = await selectRunResults(knex, t, runId, filter)
      .select(RESULT_ROW_COLUMNS)
      .where('result.id', '>', afterId)
      .orderBy('result.id')
      .limit(batchSize);
    yield* rows;
    if (rows.length < batchSize) return;
    afterId = rows[rows.length - 1].id;
  }
}

/** Which of the given result documentIds belong to the run, to another run, or to none. */
export async function locateResults(knex: Knex, t: Tables, runId: number, documentIds: string[]) {
  const rows: { document_id: string; run_id: number }[] = await knex(t.results)
    .select('document_id', 'run_id')
    .whereIn('document_id', documentIds);
  const runOf = new Map(rows.map((row) => [row.document_id, Number(row.run_id)]));
  return {
    otherRun: documentIds.filter((id) => runOf.has(id) && runOf.get(id) !== runId),
    unknown: documentIds.filter((id) => !runOf.has(id)),
  };
}

export type ResultSelection = { documentIds: string[] } | { statuses: ResultStatus[] };

/** The selected results of a run that `action` may change (never one being sent). */
const whereSelected = (
  query: Knex.QueryBuilder,
  runId: number,
  selection: ResultSelection | { resultIds: number[] },
  action: 'resend' | 'remove'
) => {
  query.where('run_id', runId).whereIn('status', RESULT_TRANSITIONS[action].from);
  if ('documentIds' in selection) return query.whereIn('document_id', selection.documentIds);
  if ('resultIds' in selection) return query.whereIn('id', selection.resultIds);
  return query.whereIn('status', selection.statuses);
};

/** Results a resend takes per statement: a resend of a million results never holds them all in memory. */
export const REQUEUE_BATCH = 5000;

/**
 * The ids of the next REQUEUE_BATCH selected results after `afterId` that a resend may change, in id
 * order (one range of the results' (run_id, status, id) index per status).
 */
export async function findRequeueBatch(knex: Knex, t: Tables, runId: number, selection: ResultSelection, afterId: number) {
  const ids: (number | string)[] = await whereSelected(knex(t.results), runId, selection, 'resend')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(REQUEUE_BATCH)
    .pluck('id');
  return ids.map(Number);
}

/**
 * Queues the results of `resultIds` again (never one being sent), re-checking eligibility against the
 * customer's and invoice's data and the suppression list as they are now, in one UPDATE. Returns the
 * new status and skip reason of each.
 */
export async function requeueResults(
  knex: Knex,
  t: Tables,
  runId: number,
  resultIds: number[],
  eligibility: Eligibility,
  now: Date
) {
  const recipientEmail = (column: 'address' | 'display_name') =>
    knex
      .select(`email.${column}`)
      .from(selectRecipientEmails(knex, t, eligibility.recipientKey).as('re'))
      .join({ email: t.emailAddresses }, 'email.id', 're.email_id')
      .whereRaw('?? = ??', ['re.customer_id', `${t.results}.customer_id`]);
  const skipReason = skipReasonCase<Knex.QueryBuilder>({
    'no-recipient': { sql: '? IS NULL', bindings: [recipientEmail('address')] },
    suppressed: { sql: 'EXISTS ?', bindings: [isSuppressed(knex, t, recipientEmail('address'))] },
    'no-transformation-result': {
      sql: 'NOT EXISTS ?',
      bindings: [hasTransformationResult(knex, t, `${t.results}.invoice_id`, eligibility.transformationIds)],
    },
  });
  const reason = knex.raw(skipReason.sql, skipReason.bindings);
  const status = knex.raw(statusOfReasonSql('?'), [reason]);
  const updated: { id: number; status: ResultStatus; reason: string | null }[] = await whereSelected(
    knex(t.results),
    runId,
    { resultIds },
    'resend'
  ).update(
    {
      status,
      reason,
      recipient: recipientEmail('address'),
      recipient_name: recipientEmail('display_name'),
      error: null,
      attempts: 0,
      next_attempt_at: null,
      locked_by: null,
      locked_at: null,
      updated_at: timestamp(knex, now),
    },
    ['id', 'status', 'reason']
  );
  return updated.map((row) => ({ ...row, id: Number(row.id) }));
}

/** Deletes the selected results (never one being sent); returns those deleted. */
export async function deleteResults(knex: Knex, t: Tables, runId: number, selection: ResultSelection) {
  // knex adds no RETURNING to a DELETE on SQLite: added here, for the removed results' history.
  const { sql, bindings } = whereSelected(knex(t.results), runId, selection, 'remove').delete().toSQL();
  const result = await knex.raw(`${sql} RETURNING id, document_id`, bindings);
  const rows: { id: number | string; document_id: string }[] = Array.isArray(result) ? result : result.rows;
  return rows.map((row) => ({ id: Number(row.id), documentId: row.document_id }));
}

/** How many of the run's results a worker holds (claimed, or handed to SMTP). */
export async function countSendingResults(knex: Knex, t: Tables, runId: number) {
  const [{ n }] = await knex(t.results).where({ run_id: runId, status: 'sending' }).count({ n: '*' });
  return Number(n);
}

export async function deleteRunResults(knex: Knex, t: Tables, runId: number) {
  return knex(t.results).where('run_id', runId).delete();
}
