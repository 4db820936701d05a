import type { TestApp } from '../helpers/strapi';
import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import { tokenFor } from '../../src/plugins/message-runs/server/src/services/return-path';
import type { DeliveryReport } from '../../src/plugins/message-runs/server/src/services/delivery-reports';
import { EVENT_UID, SUPPRESSION_UID } from '../../src/plugins/message-runs/shared/constants';

/**
 * The one path every bounce, complaint and provider event takes (the bounce mailbox and the webhooks
 * feed it): it finds the results by token or Message-ID, applies each report exactly once however
 * often and however concurrently it arrives, and suppresses the address.
 */

const SECRET = 'return-path secret for the tests';

let app: TestApp;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;

beforeAll(async () => ({ app, delivery, stop } = await startDeliveryApp({
    SMTP_SECURE: 'false',
    MESSAGE_RETURN_PATH: 'bounces+{token}@billing.example',
    MESSAGE_RETURN_PATH_SECRET: SECRET,
  })));
afterAll(() => stop?.());

const apply = (reports: DeliveryReport[]) => app.strapi.plugin('message-runs').service('deliveryReports').apply(reports) as Promise<string[]>;
const report = (overrides: Partial<DeliveryReport>): DeliveryReport => ({
  kind: 'bounced',
  source: 'imap',
  key: `key-${Math.random()}`,
  at: new Date('2026-02-01T10:00:00Z'),
  ...overrides,
});
/** A result's history entries that reports wrote (the queue writes `created` and `sent` before them). */
const eventsOf = (resultId: number) =>
  app.strapi.db
    .query(EVENT_UID as any)
    .findMany({ where: { resultId, type: { $in: ['bounced', 'delayed', 'complained', 'delivered'] } }, orderBy: { id: 'asc' } });
const suppressed = async (address: string) =>
  Boolean(await app.strapi.db.query(SUPPRESSION_UID as any).findOne({ where: { address: address.toLowerCase() } }));

/** A sent run of customers named by `names` (one invoice each), its results in order. */
async function sentRun(names: string[], { collate = false, bcc = [] as string[] } = {}) {
  const w = await delivery.world({ collate });
  for (const name of names) {
    const customer = await w.customer(name, `${name.toLowerCase()}-${Math.random().toString(36).slice(2, 7)}@example.com`);
    await w.invoiceWithPdf(customer, `INV-${name}-1`);
    if (collate) await w.invoiceWithPdf(customer, `INV-${name}-2`);
  }
  const run = await delivery.createAndStart(w.cluster, w.definition, bcc);
  await delivery.services().queue.tick();
  const results = await delivery.resultsOf(run.documentId);
  expect(results.every((result) => result.status === 'sent')).toBe(true);
  return results;
}

describe('delivery reports', () => {
  it('bounces a result named by its token, with the status code and diagnostic, and suppresses its address', async () => {
    const [ann, bob] = await sentRun(['Ann', 'Bob']);
    const outcomes = await apply([
      report({ token: tokenFor(ann.id, SECRET), recipient: ann.recipient.toUpperCase(), status: '5.1.1', diagnostic: 'smtp; 550 5.1.1 No such user' }),
    ]);
    expect(outcomes).toEqual(['applied']);
    const [annNow, bobNow] = await delivery.resultsOf(await runOf(ann));
    expect(annNow).toMatchObject({ status: 'bounced', error: '5.1.1 smtp; 550 5.1.1 No such user' });
    expect(bobNow.status).toBe('sent');
    expect(await suppressed(ann.recipient)).toBe(true);
    expect(await suppressed(bob.recipient)).toBe(false);
    const [event] = await eventsOf(ann.id);
    expect(event).toMatchObject({ type: 'bounced', actorKind: 'system', actorId: 'imap' });
    expect(event.detail).toMatchObject({ source: 'imap', status: '5.1.1' });
  });

  it('ignores a forged token and finds the result by Message-ID instead', async () => {
    const [cat] = await sentRun(['Cat']);
    const forged = tokenFor(cat.id, 'another secret, not ours');
    expect(await apply([report({ token: forged })])).toEqual(['unmatched']);
    expect(await apply([report({ token: forged, messageId: cat.messageId.replace(/[<>]/g, ''), kind: 'complained' })])).toEqual(['applied']);
    expect((await delivery.resultsOf(await runOf(cat)))[0].status).toBe('complained');
  });

  it('applies a report to every result of a collated message', async () => {
    const results = await sentRun(['Dan'], { collate: true });
    expect(results).toHaveLength(2);
    expect(await apply([report({ token: tokenFor(results[0].id, SECRET), status: '5.2.2' })])).toEqual(['applied']);
    expect((await delivery.resultsOf(await runOf(results[0]))).map((result) => result.status)).toEqual(['bounced', 'bounced']);
  });

  it('records a soft bounce and a delivery without changing the status; a Bcc copy’s bounce suppresses only the Bcc address', async () => {
    const audit = `audit-${Math.random().toString(36).slice(2, 7)}@example.com`;
    const [eve] = await sentRun(['Eve'], { bcc: [audit] });
    const token = tokenFor(eve.id, SECRET);
    expect(
      await apply([
        report({ token, kind: 'delayed', status: '4.2.2', diagnostic: 'mailbox full' }),
        report({ token, kind: 'delivered', source: 'mailgun', at: new Date('2026-02-01T09:00:00Z') }),
        report({ token, kind: 'bounced', recipient: audit, status: '5.1.1' }),
      ])
    ).toEqual(['applied', 'applied', 'applied']);
    const [now] = await delivery.resultsOf(await runOf(eve));
    expect(now.status).toBe('sent');
    expect(new Date(now.deliveredAt).toISOString()).toBe('2026-02-01T09:00:00.000Z');
    expect(await suppressed(audit)).toBe(true);
    expect(await suppressed(eve.recipient)).toBe(false);
    expect((await eventsOf(eve.id)).map((event) => event.type)).toEqual(['delayed', 'delivered', 'bounced']);
  });

  it('applies a batch once when it arrives twice at the same moment and again later', async () => {
    const [fay, gus] = await sentRun(['Fay', 'Gus']);
    const batch = [
      report({ key: `batch-${fay.id}`, token: tokenFor(fay.id, SECRET), kind: 'complained', source: 'sendgrid' }),
      report({ key: `batch-${gus.id}`, messageId: gus.messageId, kind: 'delivered', source: 'sendgrid' }),
      report({ key: 'batch-unknown', messageId: '<nobody@nowhere.example>', source: 'sendgrid' }),
    ];
    const [first, second] = await Promise.all([apply(batch), apply(batch)]);
    const third = await apply(batch);
    // Each report is applied by exactly one of the concurrent calls.
    for (let i = 0; i < 2; i++) expect([first[i], second[i]].sort()).toEqual(['applied', 'duplicate']);
    expect([first[2], second[2], third[2]]).toEqual(['unmatched', 'unmatched', 'unmatched']);
    expect(third.slice(0, 2)).toEqual(['duplicate', 'duplicate']);
    expect(await eventsOf(fay.id)).toHaveLength(1);
    expect(await eventsOf(gus.id)).toHaveLength(1);
  });
});

async function runOf(result: { runId: number }) {
  const run = await app.strapi.db.query('plugin::message-runs.message-run').findOne({ where: { id: result.runId } });
  return run.documentId as string;
}
