'use strict';

const { seedBenchData } = require('../bench/data');
const { pluginModule } = require('./worker-strapi');

/** A run of `definition` over a data set seeded by scripts/bench/data.js: all its invoices. */
async function createRunOver(strapi, definition, data, { bcc = [] } = {}) {
  const { run } = await strapi.plugin('message-runs').service('runs').create({
    definition: definition.documentId,
    cluster: data.clusterDocumentId,
    includeChildren: true,
    periodStart: data.period[0],
    periodEnd: data.period[1],
    bcc,
  });
  return run;
}

/**
 * A started run of `size` results, every one eligible, seeded set-based (scripts/bench/data.js) under
 * a new sender, transformation and definition named after `name`. Each result's recipient is its
 * customer's `billing+<customerId>@example.com` (5 invoices per customer). Returns the run and its
 * results' ids and recipients and the invoice numbers, which the fault suite and the load test count against.
 */
async function seedStartedRun(strapi, { name, size }) {
  const documents = (uid) => strapi.documents(uid);
  const transformation = await documents('api::invoice-transformation.invoice-transformation').create({
    data: { name: `${name} HTML`, outputType: 'html' },
  });
  const sender = await documents('api::message-sender.message-sender').create({
    data: { key: `${name}-sender`, email: 'billing@example.com', displayName: 'Example Billing' },
  });
  const definition = await documents('api::message-definition.message-definition').create({
    data: {
      name: `${name} definition`,
      fromKey: sender.key,
      recipientKey: 'InvoiceEmail',
      subjectTemplate: 'Invoice {{invoice.label}}',
      bodyTemplate: '<p>Dear {{customer.name}}</p>',
      invoiceTransformations: [transformation.documentId],
    },
  });
  const tables = pluginModule('data/tables').resolveTables(strapi);
  const data = await seedBenchData(strapi, tables, {
    name,
    invoiceCount: size,
    transformationId: transformation.id,
    recipientKey: 'InvoiceEmail',
    allEligible: true,
  });
  const run = await createRunOver(strapi, definition, data);
  await strapi.plugin('message-runs').service('runs').transition(run.documentId, 'start');
  const { id: runId } = await strapi.db
    .query('plugin::message-runs.message-run')
    .findOne({ where: { documentId: run.documentId } });
  const rows = await strapi.db
    .connection(tables.results)
    .select('id', 'recipient')
    .where('run_id', runId)
    .orderBy('id');
  return {
    runId,
    runDocumentId: run.documentId,
    results: rows.map((row) => ({ id: Number(row.id), recipient: row.recipient })),
    invoiceNumbers: data.numbers,
  };
}

module.exports = { createRunOver, seedStartedRun };
