import { startStrapi, type TestApp } from '../helpers/strapi';
import { deliveryWorld } from '../helpers/delivery';
import { startSmtpSink } from '../helpers/smtp';

let app: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let delivery: ReturnType<typeof deliveryWorld>;
beforeAll(async () => {
  smtp = await startSmtpSink();
  app = await startStrapi({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_SECURE: 'false', MESSAGE_RATE_LIMIT_PER_SECOND: '20' });
  delivery = deliveryWorld(app);
});
afterAll(async () => { await delivery?.cleanUp(); await app?.stop(); await smtp?.stop(); });

it('debug gaps', async () => {
  const w = await delivery.world();
  for (let i = 0; i < 60; i++) await w.invoiceWithPdf(await w.customer(`C ${i}`, `c${i}@example.com`), `INV-${i}`);
  const times: number[] = [];
  const mailer = app.strapi.plugin('message-runs').service('mailer');
  const send = mailer.send;
  const nbs: number[] = [];
  mailer.send = (mail: any, nb: number) => { nbs.push(nb); return send(mail, nb); };
  const run = await delivery.createAndStart(w.cluster, w.definition);
  await delivery.services().queue.tick();
  const at = (smtp as any).receivedAt ?? [];
  console.log('notBefore gaps', nbs.slice(1).map((t, i) => Math.round(t - nbs[i])).join(' '));
  console.log('received', smtp.received.length);
}, 300_000);
