import fs from 'fs';
import os from 'os';
import path from 'path';
import type { Response } from 'supertest';
import type { TestApp } from './strapi';
import { fixtures, removeMediaFile, type Doc } from './fixtures';
import { createTextPdf } from '../../scripts/lib/pdf';
import { startStrapiWithSink } from './smtp';

export const RESULT_UID = 'plugin::message-runs.message-result';

/**
 * A small world to deliver: a cluster whose customers each get an invoice in January 2026 with a
 * real PDF in the media library, a sender and a definition; and the plugin's services to drive it.
 */
export function deliveryWorld(app: TestApp) {
  const make = fixtures(app.strapi);
  const uploaded: number[] = [];
  const plugin = () => app.strapi.plugin('message-runs');
  const services = () => ({
    runs: plugin().service('runs'),
    queue: plugin().service('queue'),
    results: plugin().service('results'),
    mailer: plugin().service('mailer'),
  });

  async function uploadPdf(name: string, text: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-pdf-'));
    const filepath = path.join(dir, name);
    fs.writeFileSync(filepath, createTextPdf([text]));
    const [file] = await app.strapi.plugin('upload').service('upload').upload({
      data: {},
      files: { filepath, originalFilename: name, mimetype: 'application/pdf', size: fs.statSync(filepath).size },
    });
    uploaded.push(file.id);
    const bytes = fs.readFileSync(filepath);
    fs.rmSync(dir, { recursive: true, force: true });
    return { file, bytes };
  }

  async function world({
    collate = false,
    zip = false,
    body = '<p>Dear {{customer.name}}, {{money invoice.amount invoice.currency}} for {{date invoice.periodStart}}</p>',
  } = {}) {
    const cluster = await make.cluster();
    const transformation = await make.transformation({ outputType: 'pdf' });
    const sender = await make.sender({ email: 'invoices@example.com', displayName: 'Example Billing' });
    const definition = await make.definition({
      fromKey: sender.key,
      recipientKey: 'billing',
      subjectTemplate: 'Invoice {{invoice.label}} for {{customer.name}}',
      bodyTemplate: body,
      textTemplate: 'Invoice {{invoice.label}} ({{#each invoices}}{{label}} {{/each}})',
      invoiceTransformations: [transformation.documentId],
      collate,
      zipAttachments: zip,
    });
    const customer = (name: string, address: string) =>
      make.customer({ name, cluster: cluster.documentId, languageCode: 'nl-NL', emailAddresses: [{ key: 'billing', address, displayName: name }] });
    /** An invoice of January 2026, without its PDF (a run skips it). */
    const invoiceOf = (owner: Doc, number: string) =>
      make.invoice({ customer: owner.documentId, number, periodStart: '2026-01-01', periodEnd: '2026-01-31', amount: 1234.5, currency: 'EUR' });
    const invoiceWithPdf = async (owner: Doc, number: string) => {
      const invoice = await invoiceOf(owner, number);
      const pdf = await uploadPdf(`${number}.pdf`, `Invoice ${number}`);
      await make.transformationResult({ invoice: invoice.documentId, transformation: transformation.documentId, file: pdf.file.id, content: null, fileName: null, mimeType: null });
      return { invoice, pdf };
    };
    return { cluster, definition, customer, invoice: invoiceOf, invoiceWithPdf };
  }

  /** A run of the world's January invoices, created (not started). */
  async function create(cluster: Doc, definition: Doc, bcc: string[] = []) {
    const { run } = await services().runs.create({
      definition: definition.documentId,
      cluster: cluster.documentId,
      includeChildren: false,
      periodStart: '2026-01-01',
      periodEnd: '2026-01-31',
      bcc,
    });
    return run;
  }

  async function createAndStart(cluster: Doc, definition: Doc, bcc: string[] = []) {
    const run = await create(cluster, definition, bcc);
    await services().runs.transition(run.documentId, 'start');
    return run;
  }

  const resultsOf = async (runDocumentId: string) => {
    const run = await app.strapi.db.query('plugin::message-runs.message-run').findOne({ where: { documentId: runDocumentId } });
    // Without generated content-type types, the Document Service's types name no field of the result (any: each test reads its own).
    return app.strapi.documents(RESULT_UID).findMany({ filters: { runId: run.id } as never, sort: 'id:asc' }) as Promise<any[]>;
  };

  /** Makes waiting retries due now, as time passing would. */
  const makeRetriesDue = () =>
    app.strapi.db.query(RESULT_UID).updateMany({ where: { status: 'retrying' }, data: { nextAttemptAt: new Date(Date.now() - 1000) } });

  const cleanUp = async () => {
    for (const id of uploaded) await removeMediaFile(app.strapi, id);
  };

  return { services, world, create, createAndStart, resultsOf, makeRetriesDue, cleanUp };
}

export type DeliveryWorld = ReturnType<typeof deliveryWorld>;

/**
 * A test file's Strapi with its own SMTP sink and delivery world; `stop` removes the world's media
 * files and stops both. One line in `beforeAll`, one in `afterAll`.
 */
export async function startDeliveryApp(env: Record<string, string> = {}) {
  const { app, smtp, stop } = await startStrapiWithSink(env);
  const delivery = deliveryWorld(app);
  return {
    app,
    smtp,
    delivery,
    async stop() {
      await delivery.cleanUp();
      await stop();
    },
  };
}

/** A supertest parser that keeps a binary answer's bytes as they came (`.buffer(true).parse(binaryBody)`). */
export const binaryBody = (res: Response, callback: (error: Error | null, body: Buffer) => void) => {
  // superagent hands a node parser the http.IncomingMessage, which its types call Response.
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
};
