import fs from 'fs';
import { expect, test, type Page } from '@playwright/test';
import { E2E_SINK_LOG } from '../../scripts/lib/e2e-admin';
import type { Result } from '../../src/plugins/message-runs/shared/contracts/results';
import { adminHeaders, createDemoRun, logIn } from './helpers';

/**
 * Test-send from the result preview, against e2e-server.ts: an admin opens a queued result's message,
 * sends it to an address of their own, sees the success and the History entry, and the server's SMTP
 * sink (its log, E2E_SINK_LOG) got the message for that address only, marked as a test.
 */

test.describe.configure({ mode: 'serial' });

let page: Page;
let headers: Record<string, string>;
let runId: string;
let result: Result;

const api = (url: string) => `/message-runs${url}`;

/** What the sink accepted: envelope and header block of each message. */
const sinkLog = (): { from: string; to: string[]; head: string }[] =>
  fs.existsSync(E2E_SINK_LOG)
    ? fs
        .readFileSync(E2E_SINK_LOG, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  headers = await adminHeaders(page.request);
  await logIn(page);
  // A run of its own, never started: its results wait in the queue, and test-send leaves them there.
  runId = await createDemoRun(page.request, headers, { includeAlreadySent: true });
  const results = await page.request.get(api(`/runs/${runId}/results`), {
    headers,
    params: { status: 'queued', sort: 'createdAt:asc', pageSize: 1 },
  });
  expect(results.ok()).toBeTruthy();
  [result] = (await results.json()).data;
  expect(result).toBeDefined();
});

test.afterAll(async () => {
  // The other browser tests count the demo's runs: this one goes.
  if (runId) expect((await page.request.delete(api(`/runs/${runId}`), { headers })).ok()).toBeTruthy();
  await page.close();
});

test('an admin test-sends a result’s message from its preview to an address of their own', async () => {
  const address = `qa-${Date.now()}@example.com`;
  await page.goto(`/admin/plugins/message-runs/runs/${runId}`);
  const row = page.getByRole('row', { name: new RegExp(result.invoice!.label) });
  await row.getByRole('button', { name: /^Preview the message of invoice/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Message preview' });
  await expect(dialog).toBeVisible();

  await dialog.getByLabel('Test send to').fill(address);
  await dialog.getByLabel('Test send to').press('Enter');
  await dialog.getByRole('button', { name: 'Test send' }).click();
  await expect(page.getByText(`Test message sent to ${address}`)).toBeVisible({ timeout: 15_000 });

  await dialog.getByRole('tab', { name: 'History' }).click();
  const entry = dialog.getByRole('grid', { name: 'History' }).getByRole('row', { name: /Test message sent/ });
  await expect(entry).toContainText(`Sent only to ${address}`);
  await expect(entry).toContainText('Demo Admin');

  // The sink got it for that address only (not the customer, not a Bcc), marked as a test.
  const received = sinkLog().filter((mail) => mail.to.includes(address));
  expect(received).toHaveLength(1);
  expect(received[0].to).toEqual([address]);
  expect(received[0].head).toMatch(/^X-Message-Runs-Test: true$/m);

  // The result is still waiting in the queue, untouched.
  const after = await page.request.get(api(`/runs/${runId}/results`), { headers, params: { pageSize: 100 } });
  const same = (await after.json()).data.find((candidate: Result) => candidate.documentId === result.documentId);
  expect(same).toMatchObject({ status: 'queued', attempts: 0, sentAt: null });
});
