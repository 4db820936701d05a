/**
 * Delivery throughput: the plugin's queue against bare pooled nodemailer, sending the same messages
 * (a 30 KB PDF attachment, a Bcc) to the same SMTP sink; and the Strapi process's memory while it
 * delivers a large run.
 */
import type { Core } from '@strapi/strapi';
import fs from 'fs';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import os from 'os';
import path from 'path';
import { seedBulkData } from '../lib/bulk-data';
import { createRunOver } from '../lib/bulk-run';
import { createTextPdf } from '../lib/pdf';
import { pluginService, type Tables } from '../lib/plugin';
import { UID, type SendingDefinition } from '../lib/seed';
import type { SinkProcess } from '../lib/smtp-sink-client';

/** A real PDF of about `kilobytes` KB. */
export function pdfOfSize(kilobytes: number) {
  const lines: string[] = [];
  while (createTextPdf(lines).length < kilobytes * 1024)
    lines.push(`Line ${lines.length + 1}: usage of service ${'x'.repeat(60)}`);
  return createTextPdf(lines);
}

export async function waitForCount(sink: SinkProcess, target: number) {
  while ((await sink.count()) < target) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Bare nodemailer: a pool of `maxConnections`, every message handed over at once. */
export async function sendWithNodemailer({
  port,
  maxConnections,
  messages,
}: {
  port: number;
  maxConnections: number;
  messages: Mail.Options[];
}) {
  const transport = nodemailer.createTransport({ pool: true, maxConnections, host: '127.0.0.1', port, secure: false });
  const start = process.hrtime.bigint();
  await Promise.all(messages.map((message) => transport.sendMail(message)));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  transport.close();
  return ms;
}

/** The media library file every invoice of a deliverable run has as its document. */
export interface SharedFile {
  id: number;
}

/** Uploads the PDF once, to be the document of every invoice of a seeded data set. */
export async function uploadSharedPdf(strapi: Core.Strapi, bytes: Buffer): Promise<SharedFile> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pdf-'));
  const filepath = path.join(dir, 'invoice.pdf');
  fs.writeFileSync(filepath, bytes);
  const [file]: SharedFile[] = await strapi
    .plugin('upload')
    .service('upload')
    .upload({
      data: {},
      files: { filepath, originalFilename: 'invoice.pdf', mimetype: 'application/pdf', size: bytes.length },
    });
  fs.rmSync(dir, { recursive: true, force: true });
  return file;
}

/** What a deliverable run is made of: the definition, its transformation, the shared PDF. */
export interface RunSources extends SendingDefinition {
  file: SharedFile;
}

/** Seeds `count` eligible invoices whose document is the shared PDF, and a started run over them. */
export async function seedDeliverableRun(
  strapi: Core.Strapi,
  tables: Tables,
  { count, definition, transformation, file, name }: RunSources & { count: number; name: string }
) {
  const data = await seedBulkData(strapi, tables, {
    name,
    invoiceCount: count,
    transformationId: transformation.id,
    recipientKey: 'InvoiceEmail',
    allEligible: true,
  });
  // The results point at the media file instead of inline content (the upload plugin's morph links).
  const links = tables.files.links;
  const resultIds: number[] = await strapi.db
    .connection(`${tables.resultInvoice.table} as tri`)
    .join(`${tables.invoices} as i`, 'i.id', `tri.${tables.resultInvoice.to}`)
    // Every invoice number of the data set starts with its name (a list of 100k would pass SQLite's variable limit).
    .where('i.number', 'like', `${name}-%`)
    .pluck(`tri.${tables.resultInvoice.from}`);
  for (let i = 0; i < resultIds.length; i += 5000) {
    const chunk = resultIds.slice(i, i + 5000);
    await strapi.db
      .connection(tables.transformationResults)
      .whereIn('id', chunk)
      .update({ content: null, file_name: null, mime_type: null });
    const rows = chunk.map((id) => ({
      [links.file]: file.id,
      [links.relatedId]: id,
      [links.relatedType]: UID.transformationResult,
      field: 'file',
      order: 1,
    }));
    for (let j = 0; j < rows.length; j += 500) await strapi.db.connection(links.table).insert(rows.slice(j, j + 500));
  }
  return createRunOver(strapi, definition, data, { bcc: ['archive@example.com'] });
}

/** Delivers the run with this instance's queue, as the cron task would, until nothing is left. */
export async function deliverRun(strapi: Core.Strapi, run: { documentId: string }) {
  const queue = pluginService(strapi, 'queue');
  const start = process.hrtime.bigint();
  await pluginService(strapi, 'runs').transition(run.documentId, 'start');
  while ((await queue.tick()).claimed) {}
  return Number(process.hrtime.bigint() - start) / 1e6;
}
