import path from 'path';
import type { Core } from '@strapi/strapi';
import type createRendererService from '../../src/plugins/message-runs/server/src/services/renderer';
import type { RenderInput } from '../../src/plugins/message-runs/server/src/services/renderer';
import {
  compileTemplates,
  type InvoiceContext,
  type TemplateContext,
} from '../../src/plugins/message-runs/server/src/services/templates';

/** A run's templates, as the compiler takes them. */
type Templates = Parameters<typeof compileTemplates>[0];

/**
 * The template language (templates.ts: the `date` and `money` helpers, HTML escaping, what a template
 * may not call) and the renderer service (renderer.ts), which renders in its own thread within a time
 * and a size limit.
 */

const invoice = (number: string, overrides: Partial<InvoiceContext> = {}): InvoiceContext => ({
  number,
  label: number,
  periodStart: '2026-01-01',
  periodEnd: '2026-01-31',
  amount: 1234.5,
  currency: 'EUR',
  status: 'open',
  type: 'invoice',
  invoiceDate: '2026-02-03',
  ...overrides,
});

const contextOf = ({
  languageCode = 'en-US' as string | null,
  name = 'Schäfer GmbH',
  invoices = [invoice('INV-1')],
} = {}): TemplateContext => ({
  customer: { code: 'C-1', name, languageCode },
  recipient: { address: 'billing@example.com', displayName: 'Billing' },
  invoice: invoices[0],
  invoices,
  cluster: { name: 'Europe' },
  sender: { email: 'invoices@example.com', displayName: 'Example Billing' },
  run: { periodStart: '2026-01-01', periodEnd: '2026-01-31' },
});

const templates = (bodyTemplate: string, overrides: Partial<Templates> = {}): Templates => ({
  subjectTemplate: 'Invoice {{invoice.label}}',
  bodyTemplate,
  textTemplate: null,
  ...overrides,
});

const html = (bodyTemplate: string, context = contextOf()) => compileTemplates(templates(bodyTemplate))(context).html;

describe('the date helper', () => {
  it("formats a calendar date in the customer's language, in the style given", () => {
    expect(html('{{date invoice.periodStart}}')).toBe('Jan 1, 2026');
    expect(html('{{date invoice.invoiceDate "long"}}', contextOf({ languageCode: 'de-DE' }))).toBe('3. Februar 2026');
    expect(html('{{date invoice.periodEnd}}', contextOf({ languageCode: 'nl-NL' }))).toBe('31 jan 2026');
  });

  it('formats in en-US for a customer without a language', () => {
    expect(html('{{date invoice.periodStart "short"}}', contextOf({ languageCode: null }))).toBe('1/1/26');
  });

  it('writes nothing for no date, and refuses what is not one', () => {
    expect(html('[{{date invoice.number}}]', contextOf({ invoices: [invoice('', { number: null })] }))).toBe('[]');
    expect(() => html('{{date invoice.status}}')).toThrow('date: "open" is not a date');
    // JavaScript's Date parser reads these as 1 January 2001: an invoice number is no date.
    expect(() => html('{{date invoice.number}}')).toThrow('date: "INV-1" is not a date');
    expect(() => html('{{date customer.code}}')).toThrow('is not a date');
    expect(() => html('{{date "2026-02-30"}}')).toThrow('is not a date');
    expect(html('{{date "2026-02-28T23:30:00.000Z"}}')).toBe('Feb 28, 2026');
  });
});

describe('the money helper', () => {
  it("formats an amount in its currency in the customer's language, EUR when none is given", () => {
    expect(html('{{money invoice.amount invoice.currency}}', contextOf({ languageCode: 'de-DE' }))).toBe(
      '1.234,50\u00a0€'
    );
    expect(html('{{money invoice.amount "USD"}}')).toBe('$1,234.50');
    expect(html('{{money invoice.amount}}')).toBe('€1,234.50');
  });

  it('writes nothing for no amount, and refuses what is not one', () => {
    expect(html('[{{money invoice.amount}}]', contextOf({ invoices: [invoice('INV-1', { amount: null })] }))).toBe(
      '[]'
    );
    expect(() => html('{{money invoice.label}}')).toThrow('money: "INV-1" is not an amount');
  });
});

describe('escaping', () => {
  const rendered = compileTemplates(
    templates('<p>{{customer.name}}</p>', {
      subjectTemplate: 'Invoice for {{customer.name}}\r\n  Bcc: attacker@example.com',
      textTemplate: 'Dear {{customer.name}}',
    })
  )(contextOf({ name: 'A & <B>' }));

  it('escapes values in the HTML body only; subject and text are plain text', () => {
    expect(rendered.html).toBe('<p>A &amp; &lt;B&gt;</p>');
    expect(rendered.text).toBe('Dear A & <B>');
  });

  it('folds the line breaks of a subject, so that no header can be added through it', () => {
    expect(rendered.subject).toBe('Invoice for A & <B> Bcc: attacker@example.com');
  });

  it('renders no text part without a text template', () => {
    expect(compileTemplates(templates('<p>x</p>'))(contextOf()).text).toBeUndefined();
  });
});

describe('what a template may not reach', () => {
  it('has no log helper, which would write to the server log', () => {
    expect(() => html('{{log "hello"}}')).toThrow(/Missing helper: "log"/);
  });

  it("reads no prototype's properties", () => {
    const warn = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(html('[{{customer.constructor}}][{{customer.__proto__}}]')).toBe('[][]');
    } finally {
      warn.mockRestore();
    }
  });
});

/**
 * The service runs compiled: its thread loads render-thread.js beside it, which tests/setup/compile.js
 * builds into dist/. Its type is the source's.
 */
const RENDERER = path.join(__dirname, '../../dist/src/plugins/message-runs/server/src/services/renderer.js');
const createRenderer: typeof createRendererService = require(RENDERER).default;

describe('the renderer service', () => {
  const LIMITS = { renderTimeoutMs: 300, renderMaxBytes: 64 * 1024 };
  const logged: string[] = [];
  // The two things the service asks of Strapi: the plugin's limits, and a log for a thread that ended.
  const strapi = {
    config: { get: () => LIMITS },
    log: { error: (message: string) => logged.push(message) },
  } as unknown as Core.Strapi;
  const renderer = createRenderer({ strapi });
  afterAll(() => renderer.close());

  const input = (runId: number, bodyTemplate: string, invoices = [invoice('INV-1')]): RenderInput => ({
    runId,
    templates: templates(bodyTemplate),
    context: contextOf({ invoices }),
  });
  const many = (count: number) => Array.from({ length: count }, (_, i) => invoice(`INV-${i}`));

  it('renders each message of a call, in order, and says why one could not be', async () => {
    const outcomes = await renderer.render([
      input(1, '<p>{{customer.name}}: {{money invoice.amount invoice.currency}}</p>'),
      input(2, '<p>{{date invoice.status}}</p>'),
    ]);
    expect(outcomes).toEqual([
      { rendered: { subject: 'Invoice INV-1', html: '<p>Schäfer GmbH: €1,234.50</p>', text: undefined } },
      { error: 'date: "open" is not a date' },
    ]);
  });

  it('fails a message that grows past the size limit (nested loops multiply), not the others', async () => {
    const exponential =
      '{{#each invoices}}{{#each ../invoices}}{{#each ../../invoices}}{{label}}{{/each}}{{/each}}{{/each}}';
    const outcomes = await renderer.render([input(3, exponential, many(40)), input(4, '<p>fine</p>')]);
    expect(outcomes[0]).toEqual({ error: 'the rendered message is larger than 64 KB (the limit)' });
    expect(outcomes[1]).toMatchObject({ rendered: { html: '<p>fine</p>' } });
  });

  it("stops a message that takes longer than the time limit, fails its run's next ones unrendered, and renders the other runs'", async () => {
    const slow =
      '{{#each invoices}}{{#each ../invoices}}{{#each ../../invoices}}{{#each ../../../invoices}}{{/each}}{{/each}}{{/each}}{{/each}}';
    const outcomes = await renderer.render([
      input(5, slow, many(200)),
      input(5, slow, many(200)),
      input(6, '<p>{{customer.code}}</p>'),
    ]);
    expect(outcomes).toEqual([
      { error: 'rendering stopped: it took longer than 300 ms (the limit)' },
      // One limit for the run, not one per message: the next is failed without being tried.
      { error: 'not rendered: another message of this run took longer than 300 ms (the limit) in the same batch' },
      { rendered: { subject: 'Invoice INV-1', html: '<p>C-1</p>', text: undefined } },
    ]);
    // A new thread renders the next call.
    expect(await renderer.render([input(7, '<p>again</p>')])).toMatchObject([{ rendered: { html: '<p>again</p>' } }]);
    expect(logged).toEqual([]);
  });
});
