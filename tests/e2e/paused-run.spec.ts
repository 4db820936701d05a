import Database from 'better-sqlite3';
import { expect, test, type Page } from '@playwright/test';
import { E2E_DATABASE } from '../../scripts/lib/e2e-admin';
import { adminHeaders, createAdminWithActions, createDemoRun, logIn } from './helpers';

/**
 * Delivery limits and self-pauses in the panel, against e2e-server.ts: its limits (5 messages a second,
 * gmail.com and outlook.com per domain, a pause after 10 failures in a row) and its SMTP sink, which
 * never throttles nor fails for the server's part. What the queue writes when a server throttles an
 * instance or makes a run pause itself is therefore written here, into the server's database, as the
 * set-up of what the pages must show; everything else goes through the admin API and the pages.
 */

test.describe.configure({ mode: 'serial' });

const LAST_ERROR = '421 4.7.0 mail.example.net: too many connections from your host, try again later';
const THROTTLE = '451 4.7.1 Rate limit exceeded, slow down';
const RESUME_HINT =
  'Fix the mail server or its settings (see Settings → Mail delivery), then press Resume sending: every unsent message is queued and nothing is sent twice.';

let page: Page;
let runUrl: string;
let headers: Record<string, string>;

/** Runs one SQL statement in e2e-server.ts's SQLite database, beside the running server. */
function writeToServerDatabase(sql: string, ...params: unknown[]) {
  const db = new Database(E2E_DATABASE);
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  headers = await adminHeaders(page.request);
  await logIn(page);
});

test.afterAll(async () => {
  // The other browser tests count the demo's runs: this one goes again.
  if (runUrl) {
    const deleted = await page.request.delete(`/message-runs/runs/${runUrl.split('/').at(-1)}`, { headers });
    expect(deleted.ok()).toBeTruthy();
  }
  await page.close();
});

test('the mail settings page shows the limits, and the pace the server left each instance', async () => {
  await page.goto('/admin/settings/message-runs');
  await expect(page.getByTestId('setting-perMinute')).toHaveText('No limit');
  await expect(page.getByTestId('setting-perSecond')).toHaveText('5 messages per second');
  await expect(page.getByTestId('setting-pauseAfterFailures')).toHaveText(
    'After 10 failures in a row caused by the mail server, not the recipients'
  );
  const domains = page.getByRole('grid', { name: 'Per recipient domain (all instances, any 60 s window)' });
  await expect(domains.getByRole('row', { name: 'gmail.com 600' })).toBeVisible();
  await expect(domains.getByRole('row', { name: 'outlook.com 300' })).toBeVisible();
  await expect(page.getByTestId('setting-lastThrottledAt')).toHaveText('Never');

  // Two instances as the queue records them: one the server throttled a minute ago, one at full speed.
  const now = Date.now();
  writeToServerDatabase(
    `INSERT INTO message_delivery_instances (instance, pace_per_second, last_throttled_at, last_throttle, seen_at)
     VALUES ('worker-a:101:e2e', 2, ?, ?, ?), ('worker-b:102:e2e', NULL, NULL, NULL, ?)`,
    now - 60_000,
    THROTTLE,
    now,
    now
  );
  await page.reload();
  await expect(page.getByTestId('setting-lastThrottledAt')).not.toHaveText('Never');
  const paces = page.getByRole('grid', { name: 'Pace of each instance' });
  const throttled = paces.getByRole('row', { name: /^worker-a:101:e2e/ });
  await expect(throttled).toContainText('2 messages per second');
  await expect(throttled).toContainText(THROTTLE);
  const fullSpeed = paces.getByRole('row', { name: /^worker-b:102:e2e/ });
  await expect(fullSpeed).toContainText('Full speed');
  await expect(fullSpeed).toContainText('Never');
});

test('a run that paused itself says why, with the server’s last answer and how to resume', async () => {
  const runId = await createDemoRun(page.request, headers);
  runUrl = `/admin/plugins/message-runs/runs/${runId}`;
  for (const action of ['start', 'stop']) {
    expect((await page.request.post(`/message-runs/runs/${runId}/${action}`, { headers })).ok()).toBeTruthy();
  }
  // What the queue adds to its Stop when it pauses a run after failures in a row.
  writeToServerDatabase(
    `UPDATE message_runs SET stop_reason = 'paused-after-failures', last_error = ? WHERE document_id = ?`,
    LAST_ERROR,
    runId
  );

  await page.goto(runUrl);
  const alert = page.getByTestId('paused-run-alert');
  await expect(alert).toContainText(
    'Delivery paused itself: 10 attempts in a row failed because of the mail server, not the recipients'
  );
  await expect(alert.getByTestId('paused-run-last-error')).toHaveText(LAST_ERROR);
  await expect(alert).toContainText(RESUME_HINT);
  await expect(page.getByText(/^.+, paused itself after mail server failures$/)).toBeVisible();

  await alert.getByRole('link', { name: 'Open the mail delivery settings' }).click();
  await expect(page).toHaveURL(/\/admin\/settings\/message-runs$/);
});

test('an admin who may not read the settings is told the run paused after several failures', async ({
  browser,
  request,
}) => {
  const reader = await createAdminWithActions(request, ['plugin::message-runs.read']);
  const readerPage = await browser.newPage();
  await logIn(readerPage, reader);
  await readerPage.goto(runUrl);
  await expect(readerPage.getByTestId('paused-run-alert')).toContainText(
    'Delivery paused itself: several attempts in a row failed because of the mail server'
  );
  await readerPage.close();
});

test('Resume sends the rest; the details still say how the run was stopped', async () => {
  await page.goto(runUrl);
  const alert = page.getByTestId('paused-run-alert');
  await expect(alert).toBeVisible();
  await page.getByRole('button', { name: /^Resume sending/ }).click();
  await expect(alert).toHaveCount(0);
  await expect(page.getByText('Resumed since; last paused itself after mail server failures')).toBeVisible();
  // Completed: nothing left to send (the sink takes 1.5 s a message), and no Stop for a run that is done.
  for (const status of ['queued', 'sending', 'retrying']) {
    await expect(page.getByTestId(`count-${status}`).locator('dd')).toHaveText('0', { timeout: 20_000 });
  }
  await expect(page.getByRole('button', { name: 'Stop sending' })).toHaveCount(0);
});
