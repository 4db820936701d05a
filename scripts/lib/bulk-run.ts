import type { Core } from '@strapi/strapi';
import { seedBulkData, type BulkData } from './bulk-data';
import { pluginService, resolveTables, RUN_UID } from './plugin';
import { seedSendingDefinition, type SendingDefinition } from './seed';

/** A run of `definition` over a data set seeded by seedBulkData: all its invoices. */
export async function createRunOver(
  strapi: Core.Strapi,
  definition: SendingDefinition['definition'],
  data: BulkData,
  { bcc = [] }: { bcc?: string[] } = {}
) {
  const { run } = await pluginService(strapi, 'runs').create({
    definition: definition.documentId,
    cluster: data.clusterDocumentId,
    includeChildren: true,
    periodStart: data.period[0],
    periodEnd: data.period[1],
    bcc,
  });
  return run;
}

/** A result of a seeded run: its id and recipient, what the fault suite and the load test count with. */
export interface SeededResult {
  id: number;
  recipient: string;
}

/**
 * A started run of `size` results, every one eligible, seeded set-based (seedBulkData) under a new
 * sender, transformation and definition named after `name`. Each result's recipient is its customer's
 * `billing+<customerId>@example.com` (5 invoices per customer). Returns the run and its results' ids
 * and recipients and the invoice numbers, which the fault suite and the load test count against.
 */
export async function seedStartedRun(strapi: Core.Strapi, { name, size }: { name: string; size: number }) {
  const { transformation, definition } = await seedSendingDefinition(strapi, { name, outputType: 'html' });
  const tables = resolveTables(strapi);
  const data = await seedBulkData(strapi, tables, {
    name,
    invoiceCount: size,
    transformationId: transformation.id,
    recipientKey: 'InvoiceEmail',
    allEligible: true,
  });
  const run = await createRunOver(strapi, definition, data);
  await pluginService(strapi, 'runs').transition(run.documentId, 'start');
  const { id: runId } = await strapi.db.query(RUN_UID).findOne({ where: { documentId: run.documentId } });
  const rows: { id: number | string; recipient: string }[] = await strapi.db
    .connection(tables.results)
    .select('id', 'recipient')
    .where('run_id', runId)
    .orderBy('id');
  return {
    runId: runId as number,
    runDocumentId: run.documentId,
    results: rows.map((row): SeededResult => ({ id: Number(row.id), recipient: row.recipient })),
    invoiceNumbers: data.numbers,
  };
}

export type StartedRun = Awaited<ReturnType<typeof seedStartedRun>>;
