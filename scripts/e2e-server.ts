/**
 * The Strapi instance the browser tests run against: the built admin (`strapi start`), a fresh
 * SQLite database seeded with a small demo data set (20 customers, the demo's definitions and its
 * started October run), fresh secrets, a few delivery limits, a message archive, a Mailgun webhook,
 * and delivery every second to an SMTP sink of its own. The sink refuses the `factures@` mailboxes,
 * so runs show failed results next to sent and skipped ones.
 * Playwright starts it (playwright.config.ts) and stops it.
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { spawn } from 'child_process';
import { strapiCli } from './lib/strapi-cli';
import { freshSecrets } from './lib/secrets';
import { E2E_ADMIN, E2E_ARCHIVE_DIR, E2E_DATABASE, E2E_MAILGUN_SIGNING_KEY, E2E_SINK_LOG } from './lib/e2e-admin';
import { startSmtpSink } from './lib/smtp-sink';

const ACCEPT_DELAY_MS = 1500;
const appDir = path.resolve(__dirname, '..');
fs.rmSync(path.join(appDir, '.tmp', 'e2e'), { recursive: true, force: true });
fs.mkdirSync(path.join(appDir, '.tmp', 'e2e'), { recursive: true });

/**
 * Accepts every message except for `factures@…` recipients, which it refuses for good (550). It takes
 * a while to accept each one, as real servers do, so a started run stays running long enough to stop.
 * Each accepted message's envelope and headers go to E2E_SINK_LOG before the server answers.
 */
const startE2eSink = () =>
  startSmtpSink({
    rejectRecipient: (address) => address.startsWith('factures@'),
    delayMs: ACCEPT_DELAY_MS,
    readHeaders: true,
    onAccepted: ({ from, to, head }) => fs.appendFileSync(path.join(appDir, E2E_SINK_LOG), `${JSON.stringify({ from, to, head })}\n`),
  });

/** Runs a Node script in the app directory; resolves with its exit code. */
const runNode = (args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: appDir, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });

async function main() {
  const sink = await startE2eSink();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: process.env.E2E_PORT ?? '1339',
    DATABASE_CLIENT: 'sqlite',
    DATABASE_FILENAME: E2E_DATABASE,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    MESSAGE_RUNS_CRON_RULE: '* * * * * *',
    // Limits the settings page shows (tests/e2e/paused-run.spec.ts). The per-second limit paces the
    // demo run's delivery a little (its first message goes alone), so the runs list waits for it.
    MESSAGE_RATE_LIMIT_PER_SECOND: '5',
    MESSAGE_DOMAIN_RATE_LIMITS: 'gmail.com=600,outlook.com=300',
    MESSAGE_RUNS_PAUSE_AFTER_FAILURES: '10',
    // Each sent message kept in a fresh folder, and bounces posted as Mailgun would post them
    // (tests/e2e/delivery-proof.spec.ts); the token the webhook's events echo is signed afresh.
    MESSAGE_ARCHIVE_DIR: E2E_ARCHIVE_DIR,
    MAILGUN_WEBHOOK_SIGNING_KEY: E2E_MAILGUN_SIGNING_KEY,
    MESSAGE_RETURN_PATH_SECRET: crypto.randomBytes(32).toString('hex'),
    ...freshSecrets(),
    // Five test files log the same admin in through the form, and the API helper once more: more
    // than Strapi's 5 logins per address in 5 minutes.
    ADMIN_LOGIN_RATE_LIMIT: '20',
    LOG_LEVEL: 'warn',
  };
  const seeded = await runNode([...process.execArgv, path.join(__dirname, 'seed-demo.ts')], {
    ...env,
    MESSAGE_RUNS_CRON: 'false',
    DEMO_CUSTOMER_COUNT: '20',
    DEMO_ADMIN_EMAIL: E2E_ADMIN.email,
    DEMO_ADMIN_PASSWORD: E2E_ADMIN.password,
  });
  if (seeded !== 0) process.exit(seeded);

  const child = spawn(process.execPath, [strapiCli(), 'start'], { cwd: appDir, stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => {
    void sink.stop();
    process.exit(code ?? 0);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
