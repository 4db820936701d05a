/**
 * Delivery throughput: the plugin's queue against bare pooled nodemailer, sending the same messages
 * (a 30 KB PDF attachment, a Bcc) to the same SMTP sink; and the Strapi process's memory while it
 * delivers a large run.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { fork } = require('child_process');
const nodemailer = require('nodemailer');
const { createTextPdf } = require('../lib/pdf');
const { seedBenchData } = require('./data');
const { createRunOver } = require('../lib/bulk-run');

/** A real PDF of about `kilobytes` KB. */
function pdfOfSize(kilobytes) {
  const lines = [];
  while (createTextPdf(lines).length < kilobytes * 1024) lines.push(`Line ${lines.length + 1}: usage of service ${'x'.repeat(60)}`);
  return createTextPdf(lines);
}

async function startSink() {
  const sink = fork(path.join(__dirname, 'smtp-sink.js'));
  const { port } = await new Promise((resolve) => sink.once('message', resolve));
  const count = () =>
    new Promise((resolve) => {
      sink.once('message', (message) => resolve(message.count));
      sink.send('count');
    });
  const times = () =>
    new Promise((resolve) => {
      sink.once('message', (message) => resolve(message.times));
      sink.send('times');
    });
  return { port, pid: sink.pid, count, times, stop: () => sink.kill() };
}

async function waitForCount(sink, target) {
  while ((await sink.count()) < target) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Bare nodemailer: a pool of `maxConnections`, every message handed over at once. */
async function sendWithNodemailer({ port, maxConnections, messages }) {
  const transport = nodemailer.createTransport({ pool: true, maxConnections, host: '127.0.0.1', port, secure: false });
  const start = process.hrtime.bigint();
  await Promise.all(messages.map((message) => transport.sendMail(message)));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  transport.close();
  return ms;
}

/** Uploads the PDF once and makes it the document of every invoice of a seeded data set. */
async function uploadSharedPdf(strapi, bytes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pdf-'));
  const filepath = path.join(dir, 'invoice.pdf');
  fs.writeFileSync(filepath, bytes);
  const [file] = await strapi.plugin('upload').service('upload').upload({
    data: {},
    files: { filepath, originalFilename: 'invoice.pdf', mimetype: 'application/pdf', size: bytes.length },
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return file;
}

/** Seeds `count` eligible invoices whose document is the shared PDF, and a started run over them. */
async function seedDeliverableRun(strapi, tables, { count, definition, transformation, file, name }) {
  const data = await seedBenchData(strapi, tables, { name, invoiceCount: count, transformationId: transformation.id, recipientKey: 'InvoiceEmail', allEligible: true });
  // The results point at the media file instead of inline content (the upload plugin's morph links).
  const morph = strapi.db.metadata.get('plugin::upload.file').attributes.related.joinTable;
  const resultIds = await strapi.db
    .connection(`${tables.resultInvoice.table} as tri`)
    .join(`${tables.invoices} as i`, 'i.id', `tri.${tables.resultInvoice.to}`)
    // Every invoice number of the data set starts with its name (a list of 100k would pass SQLite's variable limit).
    .where('i.number', 'like', `${name}-%`)
    .pluck(`tri.${tables.resultInvoice.from}`);
  for (let i = 0; i < resultIds.length; i += 5000) {
    const chunk = resultIds.slice(i, i + 5000);
    await strapi.db.connection(tables.transformationResults).whereIn('id', chunk).update({ content: null, file_name: null, mime_type: null });
    const rows = chunk.map((id) => ({
      [morph.joinColumn.name]: file.id,
      [morph.morphColumn.idColumn.name]: id,
      [morph.morphColumn.typeColumn.name]: 'api::transformation-result.transformation-result',
      field: 'file',
      order: 1,
    }));
    for (let j = 0; j < rows.length; j += 500) await strapi.db.connection(morph.name).insert(rows.slice(j, j + 500));
  }
  return createRunOver(strapi, definition, data, { bcc: ['archive@example.com'] });
}

/** Delivers the run with this instance's queue, as the cron task would, until nothing is left. */
async function deliverRun(strapi, run) {
  const runs = strapi.plugin('message-runs').service('runs');
  const queue = strapi.plugin('message-runs').service('queue');
  const start = process.hrtime.bigint();
  await runs.transition(run.documentId, 'start');
  while ((await queue.tick()).claimed) {}
  return Number(process.hrtime.bigint() - start) / 1e6;
}

module.exports = { pdfOfSize, startSink, waitForCount, sendWithNodemailer, uploadSharedPdf, seedDeliverableRun, deliverRun };
