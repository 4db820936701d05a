import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import type { SmtpSink } from '../helpers/smtp';
import { resultIdOf } from '../../src/plugins/message-runs/server/src/services/return-path';

const RETURN_PATH = 'bounces+{token}@billing.example';
const SECRET = 'return-path secret for the tests';

let smtp: SmtpSink;
let stop: () => Promise<void>;
let delivery: DeliveryWorld;

beforeAll(async () => ({ smtp, delivery, stop } = await startDeliveryApp({
    SMTP_SECURE: 'false',
    MESSAGE_RETURN_PATH: RETURN_PATH,
    MESSAGE_RETURN_PATH_SECRET: SECRET,
  })));
afterAll(() => stop?.());
beforeEach(() => smtp.reset());

describe('per-result return path (VERP)', () => {
  it('sends each message from its result’s return path, to the customer and the Bcc, with the sender’s From', async () => {
    const w = await delivery.world();
    await w.invoiceWithPdf(await w.customer('Ann', 'ann@example.com'), 'INV-VERP-1');
    await w.invoiceWithPdf(await w.customer('Bob', 'bob@example.com'), 'INV-VERP-2');
    const run = await delivery.createAndStart(w.cluster, w.definition, ['audit@example.com']);

    expect(await delivery.services().queue.tick()).toMatchObject({ sent: 2 });
    const results = await delivery.resultsOf(run.documentId);
    expect(smtp.received).toHaveLength(2);
    for (const result of results) {
      const mail = smtp.received.find((received) => received.envelope.to.includes(result.recipient))!;
      expect(mail.envelope.from).toMatch(/^bounces\+[0-9a-z]+-[a-z2-7]{16}@billing\.example$/);
      expect(resultIdOf(mail.envelope.from, RETURN_PATH, SECRET)).toBe(result.id);
      expect(mail.envelope.to.sort()).toEqual([result.recipient, 'audit@example.com'].sort());
      expect(mail.parsed.headers.has('bcc')).toBe(false);
      expect(mail.parsed.from!.value).toEqual([{ address: 'invoices@example.com', name: 'Example Billing' }]);
    }
    expect(new Set(smtp.received.map((mail) => mail.envelope.from)).size).toBe(2);
  });

  it('names a collated message by its first result', async () => {
    const w = await delivery.world({ collate: true });
    const carl = await w.customer('Carl', 'carl@example.com');
    await w.invoiceWithPdf(carl, 'INV-VERP-C1');
    await w.invoiceWithPdf(carl, 'INV-VERP-C2');
    const run = await delivery.createAndStart(w.cluster, w.definition);

    await delivery.services().queue.tick();
    const [first, second] = await delivery.resultsOf(run.documentId);
    expect([first.status, second.status]).toEqual(['sent', 'sent']);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].envelope.to).toEqual(['carl@example.com']);
    expect(resultIdOf(smtp.received[0].envelope.from, RETURN_PATH, SECRET)).toBe(first.id);
  });
});
