import type { TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';
import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import { runsApi, type RunsApi } from '../helpers/runs';
import type { SmtpSink } from '../helpers/smtp';
import { SUPPRESSION_UID } from '../../src/plugins/message-runs/shared/constants';

/**
 * The suppression list: no message goes to an address on it. Run preview and creation skip such a
 * recipient (`suppressed`), a resend to one is refused and counted, an address suppressed after the
 * run was created is skipped when its turn comes, and a suppressed Bcc address is left out. The list
 * keeps addresses lower-cased, once each, whoever writes them.
 */

const RETURN_PATH = 'bounces+{token}@billing.example';
const SECRET = 'return-path secret for the tests';

let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;
let api: RunsApi;

beforeAll(async () => {
  ({ app, smtp, delivery, stop } = await startDeliveryApp({
    SMTP_SECURE: 'false',
    MESSAGE_RETURN_PATH: RETURN_PATH,
    MESSAGE_RETURN_PATH_SECRET: SECRET,
  }));
  api = runsApi(app, await createApiToken(app.strapi));
});
afterAll(async () => {
  await stop?.();
});
beforeEach(() => smtp.reset());

const suppress = (address: string, reason: 'bounced' | 'complained' | 'manual' = 'manual') =>
  app.strapi.documents(SUPPRESSION_UID as any).create({ data: { address, reason, source: 'test' } as any });
const criteria = (w: { cluster: any; definition: any }, bcc: string[] = []) => ({
  definition: w.definition.documentId,
  cluster: w.cluster.documentId,
  includeChildren: false,
  periodStart: '2026-01-01',
  periodEnd: '2026-01-31',
  bcc,
});
const unique = (name: string) => `${name}-${Math.random().toString(36).slice(2, 8)}@example.com`;

describe('the suppression list', () => {
  it('keeps an address lower-cased and once, however it is spelled', async () => {
    const address = unique('Mixed.Case');
    const entry = await suppress(`  ${address.toUpperCase()} `);
    expect(entry.address).toBe(address.toLowerCase());
    await expect(suppress(address.toUpperCase())).rejects.toThrow(/unique/i);
    const rows = await app.strapi.db.query(SUPPRESSION_UID as any).findMany({ where: { address: address.toLowerCase() } });
    expect(rows).toHaveLength(1);
  });

  it('makes preview and creation skip a suppressed recipient, whatever the case of the customer’s address', async () => {
    const w = await delivery.world();
    const blocked = unique('blocked');
    await w.invoiceWithPdf(await w.customer('Blocked', blocked.toUpperCase()), 'INV-SUP-1');
    await w.invoiceWithPdf(await w.customer('Open', unique('open')), 'INV-SUP-2');
    await suppress(blocked);

    const preview = await api.preview(criteria(w));
    expect(preview.status).toBe(200);
    expect(preview.body.data).toMatchObject({ total: 2, eligible: 1, skipped: { suppressed: 1, 'no-recipient': 0 } });

    const run = await api.createRun(criteria(w));
    const results = await api.allResults(run.documentId);
    expect(results.map((result) => [result.invoice!.number, result.status, result.reason])).toEqual([
      ['INV-SUP-1', 'skipped', 'suppressed'],
      ['INV-SUP-2', 'queued', null],
    ]);
  });

  it('refuses a resend to a suppressed address and counts the refusal', async () => {
    const w = await delivery.world();
    const later = unique('later');
    await w.invoiceWithPdf(await w.customer('Later', later), 'INV-SUP-3');
    await w.invoiceWithPdf(await w.customer('Fine', unique('fine')), 'INV-SUP-4');
    const run = await api.createRun(criteria(w));
    expect((await api.start(run.documentId)).status).toBe(200);
    await delivery.services().queue.tick();
    expect(smtp.received).toHaveLength(2);

    await suppress(later, 'bounced');
    const resend = await api.resend(run.documentId, { status: ['sent'] });
    expect(resend.status).toBe(200);
    expect(resend.body.data).toEqual({ requeued: 1, skipped: 1, suppressed: 1, inFlight: 0 });
    const results = await api.allResults(run.documentId);
    expect(results.map((result) => [result.recipient, result.status, result.reason])).toEqual([
      [later, 'skipped', 'suppressed'],
      [expect.any(String), 'queued', null],
    ]);
  });

  it('skips a recipient suppressed after the run was created, and leaves a suppressed Bcc address out', async () => {
    const w = await delivery.world();
    const gone = unique('gone');
    const stays = unique('stays');
    const audit = unique('audit');
    const archive = unique('archive');
    await w.invoiceWithPdf(await w.customer('Gone', gone), 'INV-SUP-5');
    await w.invoiceWithPdf(await w.customer('Stays', stays), 'INV-SUP-6');
    const run = await api.createRun(criteria(w, [audit, archive]));
    await suppress(gone.toUpperCase(), 'complained');
    await suppress(archive);
    expect((await api.start(run.documentId)).status).toBe(200);

    await delivery.services().queue.tick();
    const results = await api.allResults(run.documentId);
    expect(results.map((result) => [result.recipient, result.status, result.reason])).toEqual([
      [gone, 'skipped', 'suppressed'],
      [stays, 'sent', null],
    ]);
    // (The previous test's requeued result may go out in the same tick.)
    const ofThisRun = smtp.received.filter((mail) => mail.envelope.to.includes(audit));
    expect(ofThisRun).toHaveLength(1);
    expect(ofThisRun[0].envelope.to.sort()).toEqual([audit, stays].sort());
    expect(smtp.received.some((mail) => mail.envelope.to.includes(gone) || mail.envelope.to.includes(archive))).toBe(false);
  });
});
