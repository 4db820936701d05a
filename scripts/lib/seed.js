'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { buildDemoData, invoiceKey, invoicePdfFields, specificationHtml } = require('./demo-data');
const { createInvoicePdf } = require('./pdf');

const UID = {
  cluster: 'api::customer-cluster.customer-cluster',
  customer: 'api::customer.customer',
  invoice: 'api::invoice.invoice',
  transformation: 'api::invoice-transformation.invoice-transformation',
  result: 'api::transformation-result.transformation-result',
  sender: 'api::message-sender.message-sender',
  definition: 'api::message-definition.message-definition',
};

/** How often a long step reports how far it is. */
const PROGRESS_EVERY = 250;

/**
 * Creates the items that are not there yet, in order, through the Document Service (so the
 * validation rules run), and returns every item's documentId by key, old and new.
 * All creates of a step share one transaction: SQLite then syncs to disk once, not per row.
 */
async function createMissing(strapi, { uid, label, items, keyOf, existing, toData, log }) {
  const startedAt = Date.now();
  const documentIds = new Map(existing);
  const missing = items.filter((item) => !documentIds.has(keyOf(item)));
  await strapi.db.transaction(async () => {
    for (const [index, item] of missing.entries()) {
      const created = await strapi.documents(uid).create({ data: await toData(item, documentIds) });
      documentIds.set(keyOf(item), created.documentId);
      if ((index + 1) % PROGRESS_EVERY === 0 && index + 1 < missing.length) {
        log(`  ${label}: ${index + 1}/${missing.length}`);
      }
    }
  });
  const took = ((Date.now() - startedAt) / 1000).toFixed(1);
  log(`${label}: ${missing.length} created, ${items.length - missing.length} already there (${took} s)`);
  return { documentIds, created: missing.length };
}

/** documentId by the value of a unique field, for the rows already stored. */
async function existingByField(strapi, uid, field) {
  const rows = await strapi.db.query(uid).findMany({ select: ['documentId', field] });
  return rows.map((row) => [row[field], row.documentId]);
}

async function existingInvoices(strapi) {
  const rows = await strapi.db.query(UID.invoice).findMany({
    select: ['documentId', 'number', 'periodStart', 'type'],
    populate: { customer: { select: ['code'] } },
  });
  // A concept found again after someone approved it still counts as there: index it both ways.
  return rows.flatMap((row) => {
    const conceptKey = invoiceKey({ number: null, customerCode: row.customer?.code, periodStart: row.periodStart, type: row.type });
    return row.number ? [[row.number, row.documentId], [conceptKey, row.documentId]] : [[conceptKey, row.documentId]];
  });
}

const resultKey = (invoice, transformationName) => `${invoiceKey(invoice)}|${transformationName}`;

async function existingResults(strapi) {
  const rows = await strapi.db.query(UID.result).findMany({
    select: ['documentId'],
    populate: {
      invoice: { select: ['number', 'periodStart', 'type'], populate: { customer: { select: ['code'] } } },
      transformation: { select: ['name'] },
    },
  });
  return rows
    .filter((row) => row.invoice && row.transformation)
    .map((row) => [resultKey({ ...row.invoice, customerCode: row.invoice.customer?.code }, row.transformation.name), row.documentId]);
}

/** Writes the invoice's PDF to a temporary file and adds it to the media library; returns the file id. */
async function uploadInvoicePdf(strapi, invoice, tmpDir) {
  const fileName = `${invoice.number}.pdf`;
  const filepath = path.join(tmpDir, fileName);
  fs.writeFileSync(filepath, createInvoicePdf(invoicePdfFields(invoice)));
  const [file] = await strapi
    .plugin('upload')
    .service('upload')
    .upload({
      data: { fileInfo: { name: fileName, caption: `Invoice ${invoice.number}, ${invoice.customerName}`, alternativeText: `Invoice ${invoice.number}` } },
      files: { filepath, originalFilename: fileName, mimetype: 'application/pdf', size: fs.statSync(filepath).size },
    });
  fs.unlinkSync(filepath);
  return file.id;
}

/** The PDF results become media library files; the specifications are inline HTML. */
async function seedResults(strapi, results, { invoiceIds, transformationIds, log }) {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-invoices-'));
  const toData = async ({ invoice, transformation, kind, isOutOfDate }) => {
    const links = { invoice: invoiceIds.get(invoiceKey(invoice)), transformation: transformationIds.get(transformation), isOutOfDate };
    if (kind === 'pdf') {
      return { ...links, file: await uploadInvoicePdf(strapi, invoice, tmpDir) };
    }
    return { ...links, content: specificationHtml(invoice), fileName: `${invoice.number}-specification.html`, mimeType: 'text/html' };
  };
  try {
    return await createMissing(strapi, {
      uid: UID.result,
      label: 'transformation results',
      items: results,
      keyOf: (result) => resultKey(result.invoice, result.transformation),
      existing: await existingResults(strapi),
      toData,
      log,
    });
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

/**
 * Seeds the demo data set (clusters, customers, invoices, transformations and their results,
 * senders, message definitions). Idempotent: rows are recognised by their unique keys, and a
 * second call creates nothing. Returns the number created per kind.
 */
async function seedDemoData(strapi, { log = console.log } = {}) {
  const data = buildDemoData();
  const created = {};
  const step = async (name, options) => {
    const outcome = await createMissing(strapi, { ...options, label: name, log });
    created[name] = outcome.created;
    return outcome.documentIds;
  };

  const clusterIds = await step('clusters', {
    uid: UID.cluster,
    items: data.clusters,
    keyOf: (cluster) => cluster.name,
    existing: await existingByField(strapi, UID.cluster, 'name'),
    toData: ({ name, parent }, ids) => ({ name, parent: parent ? ids.get(parent) : null }),
  });
  const customerIds = await step('customers', {
    uid: UID.customer,
    items: data.customers,
    keyOf: (customer) => customer.code,
    existing: await existingByField(strapi, UID.customer, 'code'),
    toData: ({ code, name, cluster, languageCode, emailAddresses }) => ({ code, name, cluster: clusterIds.get(cluster), languageCode, emailAddresses }),
  });
  const invoiceIds = await step('invoices', {
    uid: UID.invoice,
    items: data.invoices,
    keyOf: invoiceKey,
    existing: await existingInvoices(strapi),
    toData: (invoice) => ({
      number: invoice.number,
      customer: customerIds.get(invoice.customerCode),
      periodStart: invoice.periodStart,
      periodEnd: invoice.periodEnd,
      status: invoice.status,
      type: invoice.type,
      amount: invoice.cents / 100,
      currency: invoice.currency,
      invoiceDate: invoice.invoiceDate,
    }),
  });
  const transformationIds = await step('invoice transformations', {
    uid: UID.transformation,
    items: data.transformations,
    keyOf: (transformation) => transformation.name,
    existing: await existingByField(strapi, UID.transformation, 'name'),
    toData: (transformation) => transformation,
  });
  created['transformation results'] = (await seedResults(strapi, data.results, { invoiceIds, transformationIds, log })).created;
  await step('message senders', {
    uid: UID.sender,
    items: data.senders,
    keyOf: (sender) => sender.key,
    existing: await existingByField(strapi, UID.sender, 'key'),
    toData: (sender) => sender,
  });
  await step('message definitions', {
    uid: UID.definition,
    items: data.definitions,
    keyOf: (definition) => definition.name,
    existing: await existingByField(strapi, UID.definition, 'name'),
    toData: ({ transformations, ...definition }) => ({ ...definition, invoiceTransformations: transformations.map((name) => transformationIds.get(name)) }),
  });
  return created;
}

module.exports = { seedDemoData };
