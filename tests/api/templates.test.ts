import type { TestApp } from '../helpers/strapi';
import { createApiToken, loginSuperAdmin } from '../helpers/auth';
import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import { fixtures, unique, UIDS } from '../helpers/fixtures';
import type { SmtpSink } from '../helpers/smtp';

/**
 * Templates that are safe to save and to run (DESIGN.md §3): saving refuses what the renderer does
 * not have (unknown helpers, `log`, partials, decorators); rendering happens in the render thread,
 * within a time and a size limit, so a template that explodes fails its own results and holds up
 * nothing else.
 */

const RENDER_TIMEOUT_MS = 1000;
const RENDER_MAX_BYTES = 100 * 1024;
/** Each level iterates the context's 7 keys: 7^9 lines, about 40 MB and 20 s of rendering on the main thread. */
const nested = (levels: number, inner: string) => '{{#each @root}}'.repeat(levels) + inner + '{{/each}}'.repeat(levels);
const EXPLODING_BODY = nested(9, 'x');
/** 7^4 = 2401 lines of 50 characters: about 120 KB, rendered in milliseconds. */
const LARGE_BODY = nested(4, `${'y'.repeat(49)}\n`);

let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;
let token: string;

beforeAll(async () => {
  ({ app, smtp, delivery, stop } = await startDeliveryApp({
    SMTP_SECURE: 'false',
    MESSAGE_RENDER_TIMEOUT_MS: String(RENDER_TIMEOUT_MS),
    MESSAGE_RENDER_MAX_BYTES: String(RENDER_MAX_BYTES),
  }));
  token = await createApiToken(app.strapi, 'full-access');
});
afterAll(async () => {
  await stop?.();
});
beforeEach(() => smtp.reset());

const elapsedMs = async <T>(work: () => Promise<T>) => {
  const start = Date.now();
  const value = await work();
  return { value, ms: Date.now() - start };
};

describe('saving a message definition (REST, API token)', () => {
  let definitionData: (overrides: Record<string, unknown>) => Record<string, unknown>;
  beforeAll(async () => {
    const make = fixtures(app.strapi);
    const sender = await make.sender();
    const transformation = await make.transformation();
    definitionData = (overrides) => ({
      name: unique('Definition'),
      fromKey: sender.key,
      recipientKey: 'billing',
      subjectTemplate: 'Invoice {{invoice.label}}',
      bodyTemplate: '<p>Dear {{customer.name}}</p>',
      textTemplate: null,
      invoiceTransformations: [transformation.documentId],
      ...overrides,
    });
  });
  const save = (data: Record<string, unknown>) =>
    app.http().post('/api/message-definitions').set('Authorization', `Bearer ${token}`).send({ data });

  it.each([
    ['bodyTemplate', '<p>{{nosuchhelper x}}</p>', 'line 1, column 4: "nosuchhelper" is not a helper'],
    ['bodyTemplate', '<p>\n  {{> x}}</p>', 'line 2, column 3: partials'],
    ['textTemplate', '{{#*inline "x"}}{{/inline}}', 'line 1, column 1: decorators'],
    ['subjectTemplate', 'Invoice {{log "x"}}', 'line 1, column 9: "log" is not a helper'],
    ['bodyTemplate', '{{#if invoice}}\n{{#nosuch a}}{{/nosuch}}{{/if}}', 'line 2, column 1: "nosuch" is not a helper'],
    ['bodyTemplate', '{{#if (nosuch invoice)}}x{{/if}}', 'line 1, column 7: "nosuch" is not a helper'],
  ])('refuses a %s that calls what the renderer does not have: %s', async (field, template, detail) => {
    const res = await save(definitionData({ [field]: template }));
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('ValidationError');
    expect(res.body.error.message).toContain(`${field} cannot be rendered: ${detail}`);
    expect(res.body.error.details.errors.map((error: { path: string[] }) => error.path)).toEqual([[field]]);
  });

  it('refuses it the same way through the Content Manager and the Document Service', async () => {
    const adminToken = await loginSuperAdmin(app);
    const viaContentManager = await app
      .http()
      .post(`/content-manager/collection-types/${UIDS.definition}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .send(definitionData({ bodyTemplate: '{{> invoice}}' }));
    expect(viaContentManager.status).toBe(400);
    expect(viaContentManager.body.error.message).toContain('bodyTemplate cannot be rendered: line 1, column 1: partials');

    const viaDocuments = app.strapi.documents(UIDS.definition).create({ data: definitionData({ textTemplate: '{{log "x"}}' }) as any });
    await expect(viaDocuments).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('textTemplate cannot be rendered: line 1, column 1: "log" is not a helper'),
    });
  });

  it.each([
    ['date, money and a plain lookup', '<p>Dear {{customer.name}}, {{money invoice.amount invoice.currency}} for {{date invoice.periodStart "long"}}</p>'],
    ['each over invoices, with block params', '{{#each invoices as |inv|}}{{inv.label}} {{/each}}{{#each invoices}}{{label}}{{/each}}'],
    ['if, unless, with and lookup', '{{#if invoice}}{{#with customer}}{{name}}{{/with}}{{else}}none{{/if}}{{#unless cluster}}-{{/unless}}{{lookup invoice "label"}}'],
    ['a section without params', '{{#invoices}}{{label}}{{/invoices}}{{^invoices}}none{{/invoices}}'],
    ['each over @root (known helpers only)', nested(2, '{{@key}}')],
  ])('accepts a template with %s', async (_name, bodyTemplate) => {
    const res = await save(definitionData({ bodyTemplate }));
    expect(res.status).toBe(201);
  });
});

describe('rendering limits', () => {
  it('fails the results of an exploding template with the time limit, while the server answers and other runs are sent', async () => {
    const bad = await delivery.world({ body: EXPLODING_BODY });
    await bad.invoiceWithPdf(await bad.customer('Slow One', 'slow1@example.com'), 'INV-SLOW-1');
    await bad.invoiceWithPdf(await bad.customer('Slow Two', 'slow2@example.com'), 'INV-SLOW-2');
    const good = await delivery.world();
    await good.invoiceWithPdf(await good.customer('Quick One', 'quick1@example.com'), 'INV-QUICK-1');
    await good.invoiceWithPdf(await good.customer('Quick Two', 'quick2@example.com'), 'INV-QUICK-2');
    const badRun = await delivery.createAndStart(bad.cluster, bad.definition);
    const goodRun = await delivery.createAndStart(good.cluster, good.definition);

    let delivered = false;
    const tick = delivery.services().queue.tick().finally(() => {
      delivered = true;
    });
    // The slow messages take the render thread a time limit; meanwhile the API answers.
    const latencies: number[] = [];
    while (!delivered) {
      const { value: res, ms } = await elapsedMs(() => app.http().get('/api/message-runs/runs').set('Authorization', `Bearer ${token}`));
      expect(res.status).toBe(200);
      latencies.push(ms);
    }
    const report = await tick;

    expect(latencies.length).toBeGreaterThan(1);
    expect(Math.max(...latencies)).toBeLessThan(1000);
    expect(report).toMatchObject({ claimed: 4, sent: 2, failed: 2 });
    // The first hits the limit; the run's other message of the batch is not tried for another limit.
    const badResults = await delivery.resultsOf(badRun.documentId);
    expect(badResults.map(({ status, reason }) => ({ status, reason }))).toEqual([
      { status: 'failed', reason: 'render-error' },
      { status: 'failed', reason: 'render-error' },
    ]);
    expect(badResults.map((result) => result.error).sort()).toEqual([
      'not rendered: another message of this run took longer than 1 s (the limit) in the same batch',
      'rendering stopped: it took longer than 1 s (the limit)',
    ]);
    expect((await delivery.resultsOf(goodRun.documentId)).map((result) => result.status)).toEqual(['sent', 'sent']);
    expect(smtp.received.map((mail) => mail.envelope.to[0]).sort()).toEqual(['quick1@example.com', 'quick2@example.com']);
  });

  it('fails a message larger than the size limit', async () => {
    const w = await delivery.world({ body: LARGE_BODY });
    await w.invoiceWithPdf(await w.customer('Large', 'large@example.com'), 'INV-LARGE');
    const run = await delivery.createAndStart(w.cluster, w.definition);

    await delivery.services().queue.tick();
    const [result] = await delivery.resultsOf(run.documentId);
    expect(result).toMatchObject({
      status: 'failed',
      reason: 'render-error',
      error: 'the rendered message is larger than 100 KB (the limit)',
    });
    expect(smtp.received).toHaveLength(0);
  });

  it('previews such a result with the limit it hits, within the time limit', async () => {
    const w = await delivery.world({ body: EXPLODING_BODY });
    await w.invoiceWithPdf(await w.customer('Preview', 'preview@example.com'), 'INV-PREVIEW');
    const { run } = await delivery.services().runs.create({
      definition: w.definition.documentId,
      cluster: w.cluster.documentId,
      periodStart: '2026-01-01',
      periodEnd: '2026-01-31',
      bcc: [],
    });
    const [result] = await delivery.resultsOf(run.documentId);

    const { value: res, ms } = await elapsedMs(() =>
      app.http().get(`/api/message-runs/results/${result.documentId}/preview`).set('Authorization', `Bearer ${token}`)
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'This result would not be sent: it would be failed (render-error): rendering stopped: it took longer than 1 s (the limit)'
    );
    expect(ms).toBeLessThan(RENDER_TIMEOUT_MS + 1500);
  });

  it('does not fail a message answered in time when the main thread itself was busy past the limit', async () => {
    const renderer = app.strapi.plugin('message-runs').service('renderer');
    const rendering = renderer.render([
      {
        runId: -1,
        templates: { subjectTemplate: 'Hi {{customer.name}}', bodyTemplate: '<p>{{customer.name}}</p>', textTemplate: null },
        context: { customer: { code: 'A', name: 'Ann & Co', languageCode: 'nl-NL' } },
      },
    ]);
    // A long synchronous job on the main thread: the watchdog's timer fires late, after the answer came.
    const busyUntil = Date.now() + RENDER_TIMEOUT_MS * 1.5;
    while (Date.now() < busyUntil);
    expect(await rendering).toEqual([{ rendered: { subject: 'Hi Ann & Co', html: '<p>Ann &amp; Co</p>', text: undefined } }]);
  });

  it('has no `log` helper for a run snapshot saved before the rules: its results fail instead of writing to the log', async () => {
    const w = await delivery.world();
    await w.invoiceWithPdf(await w.customer('Logged', 'logged@example.com'), 'INV-LOG');
    const run = await delivery.createAndStart(w.cluster, w.definition);
    // A snapshot from before the save rules: written past them, as an old database holds it.
    const runs = app.strapi.db.query('plugin::message-runs.message-run');
    const { definitionSnapshot } = await runs.findOne({ where: { documentId: run.documentId } });
    await runs.update({
      where: { documentId: run.documentId },
      data: { definitionSnapshot: { ...definitionSnapshot, bodyTemplate: '<p>{{log "template-controlled line"}}</p>' } },
    });

    await delivery.services().queue.tick();
    const [result] = await delivery.resultsOf(run.documentId);
    expect(result).toMatchObject({ status: 'failed', reason: 'render-error', error: 'Missing helper: "log"' });
    expect(smtp.received).toHaveLength(0);
  });
});
