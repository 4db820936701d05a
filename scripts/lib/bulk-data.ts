/**
 * Set-based seeding of a large data set (the benchmark's, the load test's, the fault suite's): a cluster subtree three levels deep whose customers
 * have `invoiceCount` invoices, written with multi-row INSERTs straight into Strapi's tables (names
 * from Strapi's metadata), as a production import would, not one Document Service call per row.
 */
import { createId } from '@paralleldrive/cuid2';
import type { Core, Data } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { Tables } from './plugin';

type Row = Record<string, unknown>;

const PERIODS = [
  ['2026-06-01', '2026-06-30'],
  ['2026-07-01', '2026-07-31'],
  ['2026-08-01', '2026-08-31'],
  ['2026-09-01', '2026-09-30'],
  ['2026-10-01', '2026-10-31'],
];

async function insertRows(knex: Knex, table: string, rows: Row[], returning = false): Promise<number[]> {
  const client = knex.client.config.client;
  const ids: number[] = [];
  // SQLite compiles a multi-row INSERT as a compound SELECT (at most 500 terms); PostgreSQL's limit is
  // 65535 parameters per statement.
  const columns = Object.keys(rows[0] ?? { id: 1 }).length;
  const chunkSize = client === 'pg' || client === 'postgres' ? Math.floor(60000 / columns) : 500;
  for (let i = 0; i < rows.length; i += chunkSize) {
    const chunk = rows.slice(i, i + chunkSize);
    if (!returning) await knex(table).insert(chunk);
    else ids.push(...(await knex(table).insert(chunk, ['id'])).map((row: { id: number }) => row.id));
  }
  return ids;
}

const stamp = (now: Date) => ({ document_id: createId(), created_at: now, updated_at: now, published_at: now });

interface BulkDataOptions {
  /** The root cluster's name; every invoice number starts with it. */
  name: string;
  invoiceCount: number;
  /** The transformation whose results the invoices get. */
  transformationId: Data.ID;
  /** The key of the customers' addresses. */
  recipientKey: string;
  allEligible?: boolean;
}

/**
 * Seeds `invoiceCount` invoices (5 per customer) under a new root cluster named `name`. Unless
 * `allEligible`, 1 customer in 10 has no address and 1 invoice in 20 no document, as in real data.
 */
export async function seedBulkData(
  strapi: Core.Strapi,
  tables: Tables,
  { name, invoiceCount, transformationId, recipientKey, allEligible = false }: BulkDataOptions
) {
  const t = tables;
  const now = new Date();
  const customerCount = Math.ceil(invoiceCount / PERIODS.length);
  return strapi.db.transaction(async ({ trx }) => {
    const [rootId] = await insertRows(trx, t.clusters, [{ name, ...stamp(now) }], true);
    const middleIds = await insertRows(
      trx,
      t.clusters,
      Array.from({ length: 10 }, (_, i) => ({ name: `${name}/${i}`, ...stamp(now) })),
      true
    );
    const leafIds = await insertRows(
      trx,
      t.clusters,
      Array.from({ length: 100 }, (_, i) => ({ name: `${name}/${i % 10}/${i}`, ...stamp(now) })),
      true
    );
    const parentLinks = [
      ...middleIds.map((id) => ({ [t.clusterParent.from]: id, [t.clusterParent.to]: rootId })),
      ...leafIds.map((id, i) => ({ [t.clusterParent.from]: id, [t.clusterParent.to]: middleIds[i % 10] })),
    ];
    await insertRows(trx, t.clusterParent.table, parentLinks);

    const customerIds = await insertRows(
      trx,
      t.customers,
      Array.from({ length: customerCount }, (_, i) => ({
        code: `${name}-C${i}`,
        name: `Customer ${i} of ${name}`,
        language_code: 'nl-NL',
        ...stamp(now),
      })),
      true
    );
    await insertRows(
      trx,
      t.customerCluster.table,
      customerIds.map((id, i) => ({
        [t.customerCluster.from]: id,
        [t.customerCluster.to]: leafIds[i % leafIds.length],
      }))
    );
    // 9 in 10 customers have an address under the recipient key.
    const withAddress = customerIds.filter((_, i) => allEligible || i % 10 !== 0);
    const emailIds = await insertRows(
      trx,
      t.emailAddresses,
      withAddress.map((id) => ({
        key: recipientKey,
        address: `billing+${id}@example.com`,
        display_name: `Billing ${id}`,
      })),
      true
    );
    const cmp = t.customerComponents;
    await insertRows(
      trx,
      cmp.table,
      withAddress.map((id, i) => ({
        [cmp.from]: id,
        [cmp.to]: emailIds[i],
        [cmp.componentTypeColumn]: cmp.componentType,
        field: cmp.field,
        order: 1,
      }))
    );

    const invoiceRows: (Row & { number: string; customerId: number })[] = [];
    customerIds.forEach((customerId, c) =>
      PERIODS.forEach(([start, end], p) => {
        if (invoiceRows.length < invoiceCount) {
          invoiceRows.push({
            number: `${name}-${c}-${p}`,
            period_start: start,
            period_end: end,
            status: 'approved',
            type: 'period',
            amount: 100 + p,
            currency: 'EUR',
            ...stamp(now),
            customerId,
          });
        }
      })
    );
    const invoiceIds = await insertRows(
      trx,
      t.invoices,
      invoiceRows.map(({ customerId, ...row }) => row),
      true
    );
    await insertRows(
      trx,
      t.invoiceCustomer.table,
      invoiceIds.map((id, i) => ({ [t.invoiceCustomer.from]: id, [t.invoiceCustomer.to]: invoiceRows[i].customerId }))
    );
    // 19 in 20 invoices have a current transformation result.
    const documented = invoiceIds.filter((_, i) => allEligible || i % 20 !== 0);
    const resultIds = await insertRows(
      trx,
      t.transformationResults,
      documented.map((id) => ({
        content: `<p>${id}</p>`,
        file_name: `invoice-${id}.html`,
        mime_type: 'text/html',
        is_out_of_date: false,
        ...stamp(now),
      })),
      true
    );
    await insertRows(
      trx,
      t.resultInvoice.table,
      resultIds.map((id, i) => ({ [t.resultInvoice.from]: id, [t.resultInvoice.to]: documented[i] }))
    );
    await insertRows(
      trx,
      t.resultTransformation.table,
      resultIds.map((id) => ({ [t.resultTransformation.from]: id, [t.resultTransformation.to]: transformationId }))
    );
    const [root] = await trx(t.clusters).select('document_id').where('id', rootId);
    const numbers = invoiceRows.map((row) => row.number);
    const period: [string, string] = [PERIODS[0][0], PERIODS[PERIODS.length - 1][1]];
    return { clusterDocumentId: root.document_id as string, clusterId: rootId, period, numbers };
  });
}

export type BulkData = Awaited<ReturnType<typeof seedBulkData>>;
