import type { TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';
import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import { fixtures, unique, UIDS, type Doc } from '../helpers/fixtures';
import { runsApi } from '../helpers/runs';
import type { SmtpSink } from '../helpers/smtp';

/**
 * Templates per language (DESIGN.md §2, "Translations"): the customer's languageCode picks the
 * definition's translation, falling back `nl-BE` → `nl` → the definition's own templates, one
 * template at a time. Delivered through a real SMTP sink; the result preview names the language and
 * the run preview counts the messages per language; saving checks every translation.
 */

let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;
let token: string;

beforeAll(async () => {
  ({ app, smtp, delivery, stop } = await startDeliveryApp({ SMTP_SECURE: 'false' }));
  token = await createApiToken(app.strapi, 'full-access');
});
afterAll(async () => {
  await stop?.();
});

const TRANSLATIONS = [
  {
    languageCode: 'nl',
    subjectTemplate: 'Factuur {{invoice.label}}',
    bodyTemplate: '<p>Beste {{customer.name}}, {{money invoice.amount invoice.currency}}</p>',
  },
  // No body: nl-BE takes the nl body.
  { languageCode: 'nl-BE', subjectTemplate: 'Factuur (BE) {{invoice.label}}' },
  {
    languageCode: 'de',
    subjectTemplate: 'Rechnung {{invoice.label}}',
    bodyTemplate: '<p>Sehr geehrte {{customer.name}}</p>',
    textTemplate: 'Rechnung (Text)',
  },
];

describe('a run whose customers speak nl-NL, nl-BE, de and nothing', () => {
  const customers: Record<string, Doc> = {};
  let run: Record<string, any>;

  beforeAll(async () => {
    const world = await delivery.world();
    await app.strapi.documents(UIDS.definition).update({
      documentId: world.definition.documentId,
      data: { translations: TRANSLATIONS } as any,
    });
    const make = fixtures(app.strapi);
    for (const [name, languageCode] of [
      ['Noord', 'nl-NL'],
      ['Zuid', 'nl-BE'],
      ['Berlin', 'de'],
      ['Nobody', null],
    ] as const) {
      const address = `${name.toLowerCase()}@example.com`;
      customers[name] = await make.customer({
        name,
        languageCode,
        cluster: world.cluster.documentId,
        emailAddresses: [{ key: 'billing', address, displayName: name }],
      });
      await world.invoiceWithPdf(customers[name], `INV-${name.toUpperCase()}`);
    }

    const criteria = {
      definition: world.definition.documentId,
      cluster: world.cluster.documentId,
      periodStart: '2026-01-01',
      periodEnd: '2026-01-31',
    };
    const preview = await runsApi(app, token).preview(criteria);
    expect(preview.status).toBe(200);
    expect(preview.body.data.languages).toEqual({ nl: 1, 'nl-BE': 1, de: 1, default: 1 });

    run = await delivery.createAndStart(world.cluster, world.definition);
    smtp.reset();
    await delivery.services().queue.tick();
  });

  const mailTo = (name: string) => {
    const mail = smtp.received.find((received) => received.envelope.to.includes(`${name.toLowerCase()}@example.com`));
    if (!mail) throw new Error(`no message to ${name}`);
    return mail.parsed;
  };

  it('gives nl-NL the nl translation (its primary language), with Dutch money', () => {
    const mail = mailTo('Noord');
    expect(mail.subject).toBe('Factuur INV-NOORD');
    // Intl puts a no-break space after the sign.
    expect(mail.html).toMatch(/<p>Beste Noord, €\s1\.234,50<\/p>/);
    // nl has no text template: the definition's.
    expect(mail.text).toMatch(/^Invoice INV-NOORD/);
  });

  it('gives nl-BE its own subject and the nl body', () => {
    const mail = mailTo('Zuid');
    expect(mail.subject).toBe('Factuur (BE) INV-ZUID');
    expect(mail.html).toMatch(/<p>Beste Zuid, €\s1\.234,50<\/p>/);
  });

  it('gives de the German translation', () => {
    const mail = mailTo('Berlin');
    expect(mail.subject).toBe('Rechnung INV-BERLIN');
    expect(mail.html).toContain('<p>Sehr geehrte Berlin</p>');
    expect(mail.text?.trim()).toBe('Rechnung (Text)');
  });

  it('gives a customer without a language the definition’s own templates', () => {
    const mail = mailTo('Nobody');
    expect(mail.subject).toBe('Invoice INV-NOBODY for Nobody');
    expect(mail.html).toContain('<p>Dear Nobody');
  });

  it('names the language in the result preview', async () => {
    const results = await runsApi(app, token).allResults(run.documentId);
    const languages: Record<string, string | null> = {};
    for (const result of results) {
      const res = await app
        .http()
        .get(`/api/message-runs/results/${result.documentId}/preview`)
        .set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      languages[result.customer!.documentId] = res.body.data.language;
    }
    expect(languages).toEqual({
      [customers.Noord.documentId]: 'nl',
      [customers.Zuid.documentId]: 'nl-BE',
      [customers.Berlin.documentId]: 'de',
      [customers.Nobody.documentId]: null,
    });
  });

  it('keeps the translations of the run’s snapshot when the definition changes', async () => {
    const snapshot = await app.strapi.db
      .query('plugin::message-runs.message-run')
      .findOne({ where: { documentId: run.documentId } });
    expect(snapshot.definitionSnapshot.translations.map((translation: any) => translation.languageCode)).toEqual([
      'nl',
      'nl-BE',
      'de',
    ]);
  });
});

describe('the run preview counts messages per language', () => {
  it('counts one message per customer with collate, and only the eligible ones', async () => {
    const world = await delivery.world({ collate: true });
    await app.strapi.documents(UIDS.definition).update({
      documentId: world.definition.documentId,
      data: { translations: [{ languageCode: 'de', subjectTemplate: 'Rechnung' }] } as any,
    });
    const make = fixtures(app.strapi);
    const german = await make.customer({
      languageCode: 'de-AT',
      cluster: world.cluster.documentId,
      emailAddresses: [{ key: 'billing', address: 'wien@example.com' }],
    });
    await world.invoiceWithPdf(german, unique('INV'));
    await world.invoiceWithPdf(german, unique('INV'));
    // Without an address: skipped, so not counted.
    await world.invoiceWithPdf(
      await make.customer({ languageCode: 'de', cluster: world.cluster.documentId, emailAddresses: [] }),
      unique('INV')
    );
    const french = await make.customer({
      languageCode: 'fr',
      cluster: world.cluster.documentId,
      emailAddresses: [{ key: 'billing', address: 'paris@example.com' }],
    });
    await world.invoiceWithPdf(french, unique('INV'));
    const res = await runsApi(app, token).preview({
      definition: world.definition.documentId,
      cluster: world.cluster.documentId,
      periodStart: '2026-01-01',
      periodEnd: '2026-01-31',
    });
    expect(res.body.data).toMatchObject({ total: 4, eligible: 3, languages: { de: 1, default: 1 } });
    expect(Object.keys(res.body.data.languages).sort()).toEqual(['de', 'default']);
  });
});

describe('saving translations', () => {
  let data: (translations: unknown[]) => Record<string, unknown>;
  beforeAll(async () => {
    const make = fixtures(app.strapi);
    const sender = await make.sender();
    const transformation = await make.transformation();
    data = (translations) => ({
      name: unique('Definition'),
      fromKey: sender.key,
      recipientKey: 'billing',
      subjectTemplate: 'Invoice',
      bodyTemplate: '<p>Invoice</p>',
      invoiceTransformations: [transformation.documentId],
      translations,
    });
  });
  const save = (body: Record<string, unknown>) =>
    app.http().post('/api/message-definitions').set('Authorization', `Bearer ${token}`).send({ data: body });

  it('refuses a translation’s template the renderer cannot render, naming its path', async () => {
    const res = await save(
      data([
        { languageCode: 'nl', subjectTemplate: 'Factuur' },
        { languageCode: 'de', bodyTemplate: '<p>{{nosuch x}}</p>' },
      ])
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(
      'translations[1].bodyTemplate cannot be rendered: line 1, column 4: "nosuch" is not a helper'
    );
    expect(res.body.error.details.errors.map((error: { path: unknown[] }) => error.path)).toEqual([
      ['translations', 1, 'bodyTemplate'],
    ]);
  });

  it('refuses a subject of two lines and a language given twice', async () => {
    const res = await save(data([{ languageCode: 'nl', subjectTemplate: 'a\nb' }, { languageCode: 'nl' }]));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('translations[0].subjectTemplate must be one line');
    expect(res.body.error.message).toContain('translations[1].languageCode "nl" has a translation already');
  });

  it('refuses a language code that is not one', async () => {
    const res = await save(data([{ languageCode: 'Dutch' }]));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('languageCode');
  });

  it('accepts valid translations', async () => {
    const res = await save(data([{ languageCode: 'nl-BE', subjectTemplate: 'Factuur {{invoice.label}}' }]));
    expect(res.status).toBe(201);
  });
});
