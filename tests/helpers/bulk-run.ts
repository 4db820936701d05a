import type { Core } from '@strapi/strapi';
import { fixtures } from './fixtures';
import { seedBenchData } from '../../scripts/bench/data';

/**
 * A started run of `size` results, every one of them eligible, seeded set-based (as the benchmark
 * does). Each message's subject names its invoice, so a test can count deliveries per result.
 */
export async function seedRun(strapi: Core.Strapi, size: number) {
  const make = fixtures(strapi);
  const transformation = await make.transformation();
  const definition = await make.definition({
    recipientKey: 'InvoiceEmail',
    subjectTemplate: 'Invoice {{invoice.label}}',
    bodyTemplate: '<p>Dear {{customer.name}}</p>',
    textTemplate: null,
    invoiceTransformations: [transformation.documentId],
  });
  const { resolveTables } = require('../../dist/src/plugins/message-runs/server/src/data/tables');
  const data = await seedBenchData(strapi, resolveTables(strapi), {
    name: `bulk-${Date.now()}`,
    invoiceCount: size,
    transformationId: transformation.id,
    recipientKey: 'InvoiceEmail',
    allEligible: true,
  });
  const runs = strapi.plugin('message-runs').service('runs');
  const { run } = await runs.create({
    definition: definition.documentId,
    cluster: data.clusterDocumentId,
    includeChildren: true,
    periodStart: data.period[0],
    periodEnd: data.period[1],
  });
  await runs.transition(run.documentId, 'start');
  return { runDocumentId: run.documentId as string, subjects: data.numbers.map((number: string) => `Invoice ${number}`) };
}
