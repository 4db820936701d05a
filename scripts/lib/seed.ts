import fs from 'fs';
import os from 'os';
import path from 'path';
import type { Core, UID as StrapiUID } from '@strapi/strapi';
import {
  buildDemoData,
  invoiceKey,
  invoicePdfFields,
  specificationHtml,
  type DemoInvoice,
  type DemoTransformationResult,
} from './demo-data';
import { createInvoicePdf } from './pdf';
import { pluginService, RUN_UID } from './plugin';

/**
 * The seeding of scripts/: the content types' UIDs (the tests' fixtures use them too), the demo data
 * set (seedDemoData), and the sending definition the benchmark, the load test and the fault suite
 * deliver with (seedSendingDefinition).
 */
export const UID = {
  cluster: 'api::customer-cluster.customer-cluster',
  customer: 'api::customer.customer',
  invoice: 'api::invoice.invoice',
  transformation: 'api::invoice-transformation.invoice-transformation',
  transformationResult: 'api::transformation-result.transformation-result',
  sender: 'api::message-sender.message-sender',
  definition: 'api::message-definition.message-definition',
} as const satisfies Record<string, StrapiUID.ContentType>;

type Log = (message: string) => void;
/** [unique key, documentId] of a stored row. */
type KeyedId = [string, string];

/**
 * A transformation (`outputType`), a sender and a message definition over them, named after `name`:
 * the definition the benchmark, the load test and the fault suite deliver with (one message per
 * invoice, subject and body naming it).
 */
export async function seedSendingDefinition(
  strapi: Core.Strapi,
  { name, outputType }: { name: string; outputType: 'pdf' | 'html' }
) {
  const transformation = await strapi
    .documents(UID.transformation)
    .create({ data: { name: `${name} ${outputType.toUpperCase()}`, outputType } });
  const sender = await strapi.documents(UID.sender).create({
    data: { key: `${name}-sender`, email: 'billing@example.com', displayName: 'Example Billing' },
  });
  const definition = await strapi.documents(UID.definition).create({
    data: {
      name: `${name} definition`,
      fromKey: sender.key,
      recipientKey: 'InvoiceEmail',
      subjectTemplate: 'Invoice {{invoice.label}}',
      bodyTemplate: '<p>Dear {{customer.name}}, your invoice {{invoice.label}} is attached.</p>',
      invoiceTransformations: [transformation.documentId],
    },
  });
  return { transformation, definition };
}

export type SendingDefinition = Awaited<ReturnType<typeof seedSendingDefinition>>;

/** How often a long step reports how far it is. */
const PROGRESS_EVERY = 250;

interface CreateMissing<Item> {
  uid: StrapiUID.ContentType;
  label: string;
  items: Item[];
  keyOf: (item: Item) => string;
  existing: KeyedId[];
  /** The item's data for the Document Service, given the documentIds by key so far. */
  toData: (item: Item, documentIds: Map<string, string>) => object | Promise<object>;
  log: Log;
}

/**
 * Creates the items that are not there yet, in order, through the Document Service (so the
 * validation rules run), and returns every item's documentId by key, old and new.
 * All creates of a step share one transaction: SQLite then syncs to disk once, not per row.
 */
async function createMissing<Item>(
  strapi: Core.Strapi,
  { uid, label, items, keyOf, existing, toData, log }: CreateMissing<Item>
) {
  const startedAt = Date.now();
  const documentIds = new Map(existing);
  const missing = items.filter((item) => !documentIds.has(keyOf(item)));
  await strapi.db.transaction(async () => {
    for (const [index, item] of missing.entries()) {
      // The items' shapes are checked by the content types' validation as they are created.
      const created = await strapi.documents(uid).create({ data: (await toData(item, documentIds)) as never });
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
async function existingByField(strapi: Core.Strapi, uid: StrapiUID.ContentType, field: string): Promise<KeyedId[]> {
  const rows = await strapi.db.query(uid).findMany({ select: ['documentId', field] });
  return rows.map((row) => [row[field], row.documentId]);
}

async function existingInvoices(strapi: Core.Strapi): Promise<KeyedId[]> {
  const rows = await strapi.db.query(UID.invoice).findMany({
    select: ['documentId', 'number', 'periodStart', 'type'],
    populate: { customer: { select: ['code'] } },
  });
  // A concept found again after someone approved it still counts as there: index it both ways.
  return rows.flatMap((row): KeyedId[] => {
    const conceptKey = invoiceKey({
      number: null,
      customerCode: row.customer?.code,
      periodStart: row.periodStart,
      type: row.type,
    });
    return row.number
      ? [
          [row.number, row.documentId],
          [conceptKey, row.documentId],
        ]
      : [[conceptKey, row.documentId]];
  });
}

const resultKey = (invoice: Parameters<typeof invoiceKey>[0], transformationName: string) =>
  `${invoiceKey(invoice)}|${transformationName}`;

async function existingResults(strapi: Core.Strapi): Promise<KeyedId[]> {
  const rows = await strapi.db.query(UID.transformationResult).findMany({
    select: ['documentId'],
    populate: {
      invoice: { select: ['number', 'periodStart', 'type'], populate: { customer: { select: ['code'] } } },
      transformation: { select: ['name'] },
    },
  });
  return rows
    .filter((row) => row.invoice && row.transformation)
    .map(
      (row): KeyedId => [
        resultKey({ ...row.invoice, customerCode: row.invoice.customer?.code }, row.transformation.name),
        row.documentId,
      ]
    );
}

/** Uploads per call of the upload service: one call for many files is about twice as fast. */
const UPLOAD_BATCH_SIZE = 100;

const pdfFileInfo = (invoice: DemoInvoice) => ({
  name: `${invoice.number}.pdf`,
  caption: `Invoice ${invoice.number}, ${invoice.customerName}`,
  alternativeText: `Invoice ${invoice.number}`,
});

/** Writes the invoices' PDFs to temporary files and adds them to the media library; returns file ids by invoice number. */
async function uploadInvoicePdfs(strapi: Core.Strapi, invoices: DemoInvoice[], log: Log) {
  const fileIds = new Map<string | null, number>();
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-invoices-'));
  try {
    for (let from = 0; from < invoices.length; from += UPLOAD_BATCH_SIZE) {
      const batch = invoices.slice(from, from + UPLOAD_BATCH_SIZE);
      const files = batch.map((invoice) => {
        const filepath = path.join(tmpDir, `${invoice.number}.pdf`);
        const pdf = createInvoicePdf(invoicePdfFields(invoice));
        fs.writeFileSync(filepath, pdf);
        return { filepath, originalFilename: path.basename(filepath), mimetype: 'application/pdf', size: pdf.length };
      });
      const uploaded: { id: number }[] = await strapi
        .plugin('upload')
        .service('upload')
        .upload({ data: { fileInfo: batch.map(pdfFileInfo) }, files });
      uploaded.forEach((file, index) => fileIds.set(batch[index].number, file.id));
      if (from + batch.length < invoices.length && (from + batch.length) % 500 === 0) {
        log(`  invoice PDFs uploaded: ${from + batch.length}/${invoices.length}`);
      }
    }
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  return fileIds;
}

/** The PDF results reference media library files; the specifications are inline HTML. */
async function seedResults(
  strapi: Core.Strapi,
  results: DemoTransformationResult[],
  {
    invoiceIds,
    transformationIds,
    log,
  }: { invoiceIds: Map<string, string>; transformationIds: Map<string, string>; log: Log }
) {
  const keyOf = (result: DemoTransformationResult) => resultKey(result.invoice, result.transformation);
  const existing = await existingResults(strapi);
  const stored = new Set(existing.map(([key]) => key));
  const missingPdfs = results.filter((result) => result.kind === 'pdf' && !stored.has(keyOf(result)));
  const startedAt = Date.now();
  const fileIds = await strapi.db.transaction(() =>
    uploadInvoicePdfs(
      strapi,
      missingPdfs.map(({ invoice }) => invoice),
      log
    )
  );
  log(
    `invoice PDFs: ${fileIds.size} uploaded to the media library (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`
  );
  const toData = ({ invoice, transformation, kind, isOutOfDate }: DemoTransformationResult) => {
    const links = {
      invoice: invoiceIds.get(invoiceKey(invoice)),
      transformation: transformationIds.get(transformation),
      isOutOfDate,
    };
    if (kind === 'pdf') {
      return { ...links, file: fileIds.get(invoice.number) };
    }
    return {
      ...links,
      content: specificationHtml(invoice),
      fileName: `${invoice.number}-specification.html`,
      mimeType: 'text/html',
    };
  };
  return createMissing(strapi, {
    uid: UID.transformationResult,
    label: 'transformation results',
    items: results,
    keyOf,
    existing,
    toData,
    log,
  });
}

/**
 * Seeds the demo data set (clusters, customers, invoices, transformations and their results,
 * senders, message definitions). Idempotent: rows are recognised by their unique keys, and a
 * second call creates nothing. Returns the number created per kind.
 */
export async function seedDemoData(
  strapi: Core.Strapi,
  { log = console.log, customerCount }: { log?: Log; customerCount?: number } = {}
) {
  const data = buildDemoData({ customerCount });
  const created: Record<string, number> = {};
  const step = async <Item>(name: string, options: Omit<CreateMissing<Item>, 'label' | 'log'>) => {
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
    toData: ({ code, name, cluster, languageCode, emailAddresses }) => ({
      code,
      name,
      cluster: clusterIds.get(cluster),
      languageCode,
      emailAddresses,
    }),
  });
  const invoiceIds = await step<DemoInvoice>('invoices', {
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
  created['transformation results'] = (
    await seedResults(strapi, data.results, { invoiceIds, transformationIds, log })
  ).created;
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
    toData: ({ transformations, ...definition }) => ({
      ...definition,
      invoiceTransformations: transformations.map((name) => transformationIds.get(name)),
    }),
  });
  created['message runs'] = await seedDemoRun(strapi, { clusterIds, log });
  return created;
}

/**
 * A started run of the monthly invoice mail for October 2026 over all customers: `npm run demo`'s
 * delivery task sends it (to the outbox folder unless an SMTP host is configured).
 */
async function seedDemoRun(strapi: Core.Strapi, { clusterIds, log }: { clusterIds: Map<string, string>; log: Log }) {
  if (await strapi.db.query(RUN_UID).count()) {
    log('message runs: already there');
    return 0;
  }
  const definition = await strapi.db.query(UID.definition).findOne({ where: { name: DEMO_RUN.definition } });
  const runs = pluginService(strapi, 'runs');
  const { run, message } = await runs.create({
    definition: definition.documentId,
    cluster: clusterIds.get(DEMO_RUN.cluster)!,
    includeChildren: true,
    periodStart: DEMO_RUN.periodStart,
    periodEnd: DEMO_RUN.periodEnd,
    bcc: DEMO_RUN.bcc,
  });
  await runs.transition(run.documentId, 'start');
  log(`message runs: "${DEMO_RUN.definition}" for ${DEMO_RUN.cluster}, October 2026, started. ${message}`);
  return 1;
}

const DEMO_RUN = {
  definition: 'Monthly invoice',
  cluster: 'All customers',
  periodStart: '2026-10-01',
  periodEnd: '2026-10-31',
  bcc: ['archive@billing.example'],
};
