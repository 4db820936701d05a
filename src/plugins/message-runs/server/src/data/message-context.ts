import type { Knex } from 'knex';
import type { MediaFiles, Tables } from './tables';

const TRANSFORMATION_RESULT_UID = 'api::transformation-result.transformation-result';
const FILE_PREFIX = 'file__';

/**
 * What rendering a batch of results needs from the domain tables, read in a few queries per batch
 * (one per table), never one per result.
 */
export async function loadInvoices(knex: Knex, t: Tables, ids: number[]) {
  if (!ids.length) return new Map();
  const rows = await knex(t.invoices)
    .select('id', 'number', 'period_start', 'period_end', 'amount', 'currency', 'status', 'type', 'invoice_date')
    .whereIn('id', ids);
  return new Map(
    rows.map((row) => [
      Number(row.id),
      {
        number: row.number ?? null,
        label: row.number ?? 'Concept',
        periodStart: row.period_start,
        periodEnd: row.period_end,
        amount: row.amount === null ? null : Number(row.amount),
        currency: row.currency ?? null,
        status: row.status,
        type: row.type,
        invoiceDate: row.invoice_date ?? null,
      },
    ])
  );
}

export async function loadCustomers(knex: Knex, t: Tables, ids: number[]) {
  if (!ids.length) return new Map();
  const rows = await knex({ customer: t.customers })
    .leftJoin({ cc: t.customerCluster.table }, `cc.${t.customerCluster.from}`, 'customer.id')
    .leftJoin({ cluster: t.clusters }, 'cluster.id', `cc.${t.customerCluster.to}`)
    .select('customer.id', 'customer.code', 'customer.name', 'customer.language_code', { cluster_name: 'cluster.name' })
    .whereIn('customer.id', ids);
  return new Map(
    rows.map((row) => [
      Number(row.id),
      {
        customer: { code: row.code, name: row.name, languageCode: row.language_code ?? null },
        cluster: row.cluster_name ? { name: row.cluster_name } : null,
      },
    ])
  );
}

/** The customers' current address under the recipient key (eligibility is checked again before sending). */
export async function loadRecipientAddresses(knex: Knex, t: Tables, customerIds: number[], recipientKey: string) {
  if (!customerIds.length) return new Map<number, { address: string; displayName: string | null }>();
  const cmp = t.customerComponents;
  const rows = await knex({ cmp: cmp.table })
    .join({ email: t.emailAddresses }, 'email.id', `cmp.${cmp.to}`)
    .select({ customer_id: `cmp.${cmp.from}` }, 'email.address', 'email.display_name')
    .whereIn(`cmp.${cmp.from}`, customerIds)
    .where(`cmp.${cmp.componentTypeColumn}`, cmp.componentType)
    .where('cmp.field', cmp.field)
    .where('email.key', recipientKey)
    .orderBy('email.id', 'desc');
  // Lowest id last, so it wins, as in the run's selection.
  return new Map(
    rows.map((row) => [Number(row.customer_id), { address: row.address, displayName: row.display_name ?? null }])
  );
}

/** Which of the addresses are on the suppression list (lower-cased, as the list keeps them). */
export async function loadSuppressed(knex: Knex, t: Tables, addresses: string[]) {
  const lowered = [...new Set(addresses.map((address) => address.toLowerCase()))];
  if (!lowered.length) return new Set<string>();
  const rows: { address: string }[] = await knex(t.suppressions).select('address').whereIn('address', lowered);
  return new Set(rows.map((row) => row.address));
}

export async function loadSenders(knex: Knex, t: Tables, fromKeys: string[]) {
  const rows = await knex(t.senders).select('key', 'email', 'display_name').whereIn('key', fromKeys);
  return new Map(rows.map((row) => [row.key, { email: row.email, displayName: row.display_name ?? null }]));
}

/** A media library file as the upload plugin's entity: every attribute of its table, of which these are read here. */
export interface MediaFile {
  name: string;
  mime: string;
  url: string;
  [attribute: string]: unknown;
}

/** A transformation result to attach: a media library file (as the upload plugin's entity) or inline content. */
export interface InvoiceDocument {
  transformationId: number;
  file: MediaFile | null;
  fileName: string | null;
  mimeType: string | null;
  content: string | null;
}

/** The media file columns of a row read with FILE_PREFIX, as the upload plugin's file entity. */
function toFileEntity(files: MediaFiles, row: Record<string, unknown>): MediaFile | null {
  if (row[`${FILE_PREFIX}id`] === null || row[`${FILE_PREFIX}id`] === undefined) return null;
  const file: Record<string, unknown> = {};
  for (const [column, attribute] of Object.entries(files.attributeOf)) {
    const value = row[FILE_PREFIX + column];
    file[attribute] = files.jsonAttributes.includes(attribute) && typeof value === 'string' ? JSON.parse(value) : value;
  }
  // Every column of the files table is there, `name`, `mime` and `url` among them.
  return file as MediaFile;
}

/**
 * The current (not out-of-date) transformation results of the invoices for the given
 * transformations, with their media file, per invoice id: one query for the whole batch.
 */
export async function loadInvoiceDocuments(knex: Knex, t: Tables, invoiceIds: number[], transformationIds: number[]) {
  const documents = new Map<number, InvoiceDocument[]>();
  if (!invoiceIds.length || !transformationIds.length) return documents;
  const { files } = t;
  const rows = await knex({ tr: t.transformationResults })
    .join({ tri: t.resultInvoice.table }, `tri.${t.resultInvoice.from}`, 'tr.id')
    .join({ trt: t.resultTransformation.table }, `trt.${t.resultTransformation.from}`, 'tr.id')
    .leftJoin({ link: files.links.table }, (on) =>
      on
        .on(`link.${files.links.relatedId}`, 'tr.id')
        .andOnVal(`link.${files.links.relatedType}`, TRANSFORMATION_RESULT_UID)
        .andOnVal('link.field', 'file')
    )
    .leftJoin({ file: files.table }, 'file.id', `link.${files.links.file}`)
    .select(
      { invoice_id: `tri.${t.resultInvoice.to}`, transformation_id: `trt.${t.resultTransformation.to}` },
      'tr.file_name',
      'tr.mime_type',
      'tr.content',
      Object.fromEntries(Object.keys(files.attributeOf).map((column) => [FILE_PREFIX + column, `file.${column}`]))
    )
    .whereIn(`tri.${t.resultInvoice.to}`, invoiceIds)
    .where('tr.is_out_of_date', false)
    .orderBy('tr.id');
  for (const row of rows) {
    // Filtered here, not in SQL: with it in SQL, SQLite started from every result of the transformation
    // (376 ms a batch on a 20k run) instead of from the batch's invoices.
    if (!transformationIds.includes(Number(row.transformation_id))) continue;
    const invoiceId = Number(row.invoice_id);
    const document: InvoiceDocument = {
      transformationId: Number(row.transformation_id),
      file: toFileEntity(files, row),
      fileName: row.file_name ?? null,
      mimeType: row.mime_type ?? null,
      content: row.content ?? null,
    };
    documents.set(invoiceId, [...(documents.get(invoiceId) ?? []), document]);
  }
  return documents;
}
