import type { Knex } from 'knex';
import { RESULT_STATUSES, type ResultReason, type ResultStatus } from '../../../shared/constants';
import type { ResultCounts } from '../../../shared/contracts/runs';
import type { ResultSortKey } from '../../../shared/contracts/results';
import { timestamp, type Dialect } from './dialect';
import type { Eligibility } from '../domain/definition';
import { skipReasonCase, statusOfReasonSql } from '../domain/eligibility';
import { RESULT_TRANSITIONS } from '../domain/states';
import { SORT_VALUES, type ResultsAfter, type ResultSort, type SortValue } from '../domain/results-cursor';
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
      'selection.invoice_number',
      'selection.customer_code',
      'selection.customer_name',
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
    'invoice_number',
    'customer_code',
    'customer_name',
    'attempts',
    'created_at',
    'updated_at',
    'published_at',
  ];
  await trx.into(trx.raw('?? (??)', [t.results, columns])).insert(rows);
}

/**
 * Copies the invoice number and customer code and name onto results made before results kept them
 * (insertResultsForRun copies them at creation), in one UPDATE: the list sorts by these columns.
 */
export async function copySortValues(knex: Knex, t: Tables) {
  const of = (table: string, column: string, idColumn: string) =>
    knex(table).select(column).where('id', knex.ref(`${t.results}.${idColumn}`));
  return knex(t.results)
    .whereNull('invoice_number')
    .whereNull('customer_code')
    .whereNull('customer_name')
    .update({
      invoice_number: of(t.invoices, 'number', 'invoice_id'),
      customer_code: of(t.customers, 'code', 'customer_id'),
      customer_name: of(t.customers, 'name', 'customer_id'),
    });
}

export interface ResultFilter {
  statuses?: ResultStatus[];
  /** case-insensitive part of the customer code or name, the invoice number or the recipient */
  q?: string;
}

/**
 * The result column each sort key orders by. invoice.number and the customer's code and name are the
 * values the result was made for, copied onto it at creation, so that every sort walks one of the
 * results table's indexes (run_id, status, column, id) instead of a join.
 */
const SORT_COLUMNS: Record<ResultSortKey, string> = {
  createdAt: 'id',
  status: 'status',
  recipient: 'recipient',
  attempts: 'attempts',
  lastAttemptAt: 'last_attempt_at',
  sentAt: 'sent_at',
  'invoice.number': 'invoice_number',
  'customer.code': 'customer_code',
  'customer.name': 'customer_name',
};

const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A run's results, filtered; joined to their invoice and customer when a search needs them. */
function selectRunResults(knex: Knex, t: Tables, runId: number, filter: ResultFilter) {
  const query = knex({ result: t.results }).where('result.run_id', runId);
  if (filter.q) {
    query
      .leftJoin({ invoice: t.invoices }, 'invoice.id', 'result.invoice_id')
      .leftJoin({ customer: t.customers }, 'customer.id', 'result.customer_id');
  }
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

/** Where a page starts: at an offset, or after a row (keyset). */
export type ResultsPosition = { offset: number } | { after: ResultsAfter };

/**
 * A page of a run's results (`limit` rows) in the sort's order, NULLs first ascending and last
 * descending on both databases, ties in id order; each row with its sort value as a cursor carries it.
 *
 * The page is the first rows of a merge of small index ranges, one per status (each status selected,
 * or all) and, for a column that may be NULL, per NULL or not: each range is an equality on
 * (run_id, status) and an order on (column, id) that the index (run_id, status, column, id) answers
 * as stored on both databases, however PostgreSQL and SQLite order NULLs. After a cursor the ranges
 * start at the cursor's place, so a page costs the same at any depth; at an offset each range reads
 * up to offset + limit rows, as an OFFSET does.
 */
export async function findResultsPage(
  knex: Knex,
  t: Tables,
  dialect: Dialect,
  runId: number,
  filter: ResultFilter,
  page: { sort: ResultSort; position: ResultsPosition; limit: number }
): Promise<(ResultRow & { sortValue: SortValue })[]> {
  return dialect.readIndexRange(knex, (reader) => selectResultsPage(reader, t, dialect, runId, filter, page));
}

async function selectResultsPage(
  knex: Knex,
  t: Tables,
  dialect: Dialect,
  runId: number,
  filter: ResultFilter,
  { sort, position, limit }: { sort: ResultSort; position: ResultsPosition; limit: number }
): Promise<(ResultRow & { sortValue: SortValue })[]> {
  const column = `result.${SORT_COLUMNS[sort.key]}`;
  const { nullable, kind } = SORT_VALUES[sort.key];
  const after = 'after' in position ? position.after : undefined;
  const offset = 'offset' in position ? position.offset : 0;
  const beyond = sort.order === 'asc' ? '>' : '<';
  type Range = { segment: 0 | 1; where: (query: Knex.QueryBuilder) => unknown };
  // Segment 0 holds the NULLs, which sort before every value ascending.
  const nulls: Range = { segment: 0, where: (query) => query.whereNull(column) };
  const values: Range = { segment: 1, where: (query) => nullable && query.whereNotNull(column) };
  /**
   * One status's ranges after the cursor's row (all of them without a cursor). Each is an equality,
   * or a bound on one column, which both databases answer from the index as a range; a bound on
   * (column, id) together would also read the rows tied with the cursor's value before it.
   */
  function rangesOf(status: ResultStatus): Range[] {
    if (!after) return nullable ? [nulls, values] : [values];
    const idBeyond = (query: Knex.QueryBuilder) => query.where('result.id', beyond, after.id);
    if (after.value === null) {
      return [{ segment: 0, where: (query) => idBeyond(query.whereNull(column)) }, ...(sort.order === 'asc' ? [values] : [])];
    }
    const nullsLast = sort.order === 'desc' && nullable ? [nulls] : [];
    if (sort.key === 'status') {
      // The range's value is its status: compared here rather than row by row.
      if (status === after.value) return [{ segment: 1, where: idBeyond }];
      return (sort.order === 'asc' ? status > after.value : status < after.value) ? [values] : [];
    }
    const value = kind === 'timestamp' ? dialect.timestampOfIso(knex, String(after.value)) : after.value;
    return [
      { segment: 1, where: (query) => idBeyond(query.where(column, value)) },
      { segment: 1, where: (query) => query.where(column, beyond, value) },
      ...nullsLast,
    ];
  }
  const ranges = [...new Set(filter.statuses?.length ? filter.statuses : RESULT_STATUSES)].flatMap((status) =>
    rangesOf(status).map(({ segment, where }, index) => {
      const range = selectRunResults(knex, t, runId, { statuses: [status], q: filter.q })
        .select({ id: 'result.id', sort_null: knex.raw(String(segment)), sort_value: column })
        .modify(where)
        // By the column even among NULLs: PostgreSQL takes `IS NULL` for no equality, and would sort the
        // NULLs by id rather than read them from the index in order.
        .orderBy(column, sort.order)
        .orderBy('result.id', sort.order)
        .limit(offset + limit);
      return knex.select('*').from(range.as(`r_${status}_${index}`));
    })
  );
  if (!ranges.length) return [];
  const [head, ...rest] = ranges;
  const inOrder = (query: Knex.QueryBuilder, table: string) =>
    query
      .orderBy(`${table}.sort_null`, sort.order)
      .orderBy(`${table}.sort_value`, sort.order)
      .orderBy(`${table}.id`, sort.order);
  // The page's ids first, then their rows: a deep offset joins only the page's rows.
  const page = inOrder(knex.select('*').from((rest.length ? head.unionAll(rest) : head).as('ranges')), 'ranges')
    .limit(limit)
    .offset(offset);
  return inOrder(
    knex
      .from(page.as('page'))
      .join({ result: t.results }, 'result.id', 'page.id')
      .leftJoin({ invoice: t.invoices }, 'invoice.id', 'result.invoice_id')
      .leftJoin({ customer: t.customers }, 'customer.id', 'result.customer_id')
      .select(RESULT_ROW_COLUMNS)
      .select({ sortValue: kind === 'timestamp' ? knex.raw(dialect.isoTimestamp('page.sort_value')) : 'page.sort_value' }),
    'page'
  );
}

/**
 * All of a run's results in id order, a batch at a time: the list's pages by creation order, each
 * after the last row of the one before, so each costs an index range whatever the filter.
 */
export async function* iterateResults(
  knex: Knex,
  t: Tables,
  dialect: Dialect,
  runId: number,
  filter: ResultFilter,
  batchSize = 1000
) {
  const sort = { key: 'createdAt', order: 'asc' } as const;
  let position: ResultsPosition = { offset: 0 };
  for (;;) {
    const rows = await findResultsPage(knex, t, dialect, runId, filter, { sort, position, limit: batchSize });
    yield* rows;
    if (rows.length < batchSize) return;
    const { id } = rows[rows.length - 1];
    position = { after: { value: id, id } };
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
