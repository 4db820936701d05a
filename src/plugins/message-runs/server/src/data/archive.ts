import type { Knex } from 'knex';
import { timestamp } from './dialect';
import type { Tables } from './tables';

/**
 * The results' side of the message archive (services/archive.ts): what the download route reads, and
 * retention's two set-based statements.
 */

/** What `GET /results/:id/message` needs of a result, with its invoice's label for the file name. */
export async function findArchivedMessage(knex: Knex, t: Tables, resultDocumentId: string) {
  const row = await knex({ result: t.results })
    .leftJoin({ invoice: t.invoices }, 'invoice.id', 'result.invoice_id')
    .select('result.status', 'result.sent_at', 'result.sha_256', 'result.archive_key', 'invoice.number')
    .where('result.document_id', resultDocumentId)
    .first();
  if (!row) return undefined;
  return {
    status: row.status as string,
    /** A database timestamp (see toIsoTimestamp). */
    sentAt: row.sent_at as Date | number | string | null,
    sha256: (row.sha_256 as string | null) ?? null,
    archiveKey: (row.archive_key as string | null) ?? null,
    invoiceNumber: (row.number as string | null) ?? null,
  };
}

/**
 * Up to `limit` archive keys of messages sent before `cutoff` (a collated message's results share
 * one). No index serves it: the hourly scan costs less than an index that every result created and
 * every outcome written would pay for.
 */
export async function findExpiredArchiveKeys(knex: Knex, t: Tables, cutoff: Date, limit: number): Promise<string[]> {
  const rows = await knex(t.results)
    .distinct('archive_key')
    .whereNotNull('archive_key')
    .where('sent_at', '<', timestamp(knex, cutoff))
    .limit(limit);
  return rows.map((row) => row.archive_key);
}

/** Forgets the keys of deleted copies, on every result that shares them; a second call changes nothing. */
export async function forgetArchiveKeys(knex: Knex, t: Tables, keys: string[]) {
  if (!keys.length) return 0;
  return knex(t.results).whereIn('archive_key', keys).update({ archive_key: null });
}
