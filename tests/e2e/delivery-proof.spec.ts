import { createHash } from 'crypto';
import fs from 'fs';
import path from 'path';
import { expect, test, type Page } from '@playwright/test';
import { E2E_ARCHIVE_DIR, E2E_MAILGUN_SIGNING_KEY } from '../../scripts/lib/e2e-admin';
import type { Result } from '../../src/plugins/message-runs/shared/contracts/results';
import { mailgunBody, mailgunEventData, type MailgunEvent } from '../helpers/provider-webhooks';
import { adminHeaders, createDemoRun, logIn } from './helpers';

/**
 * Proof of delivery in the panel, against e2e-server.ts: a run of its own is sent to the server's SMTP
 * sink, each message kept in the archive folder; a bounce and a spam complaint arrive as Mailgun would
 * post them, signed with the e2e server's webhook key, through the plugin's own webhook route. The
 * pages then show each result's history, the run's activity, the kept .eml, the banner for bounced
 * results, and the suppression list in the Content Manager.
 */

test.describe.configure({ mode: 'serial' });

const SUPPRESSIONS = 'plugin::message-runs.suppression';
const ADMIN_NAME = 'Demo Admin';
const DSN = { code: 550, message: '5.1.1 The email account that you tried to reach does not exist' };

let page: Page;
let headers: Record<string, string>;
let runId: string;
let runUrl: string;
/** Sent results of the run, by what the tests do with them. */
let proof: Result;
let bounced: Result;
let complained: Result;

const api = (url: string) => `/message-runs${url}`;

async function sentResults(): Promise<Result[]> {
  const response = await page.request.get(api(`/runs/${runId}/results`), {
    headers,
    params: { status: 'sent', sort: 'createdAt:asc', pageSize: 100 },
  });
  expect(response.ok()).toBeTruthy();
  return (await response.json()).data;
}

/** A Mailgun event about `result`'s message, signed as Mailgun signs it, posted to the plugin's webhook. */
async function mailgunEvent(result: Result, event: Omit<MailgunEvent, 'recipient' | 'messageId'>) {
  const eventData = mailgunEventData({
    ...event,
    recipient: result.recipient!,
    // Mailgun names the message by its Message-ID without the angle brackets.
    messageId: result.messageId!.replace(/^<|>$/g, ''),
  });
  const response = await page.request.post('/api/message-runs/events/mailgun', {
    data: mailgunBody(E2E_MAILGUN_SIGNING_KEY, eventData),
  });
  expect(response.ok(), await response.text()).toBeTruthy();
}

/** The preview dialog of the result for `invoice`, opened from its row. */
async function openPreview(result: Result) {
  const row = page.getByRole('row', { name: new RegExp(result.invoice!.label) });
  await row.getByRole('button', { name: /^Preview the message of invoice/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Message preview' });
  await expect(dialog).toBeVisible();
  return dialog;
}

/** The suppression list's entries, through the Content Manager's admin API. */
async function suppressedAddresses(): Promise<{ documentId: string; address: string; reason: string }[]> {
  const response = await page.request.get(`/content-manager/collection-types/${SUPPRESSIONS}`, {
    headers,
    params: { pageSize: 100 },
  });
  expect(response.ok()).toBeTruthy();
  return (await response.json()).results;
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  headers = await adminHeaders(page.request);
  await logIn(page);

  runId = await createDemoRun(page.request, headers, { includeAlreadySent: true });
  runUrl = `/admin/plugins/message-runs/runs/${runId}`;
  expect((await page.request.post(api(`/runs/${runId}/start`), { headers })).ok()).toBeTruthy();
});

test.afterAll(async () => {
  // The other browser tests count the demo's runs and its eligible invoices: what this one added goes.
  if (runId) expect((await page.request.delete(api(`/runs/${runId}`), { headers })).ok()).toBeTruthy();
  for (const { documentId } of await suppressedAddresses()) {
    await page.request.delete(`/content-manager/collection-types/${SUPPRESSIONS}/${documentId}`, { headers });
  }
  await page.close();
});

test('the Activity panel follows the run while it sends, without a reload', async () => {
  // The run's 15 messages take the sink 1.5 s each, after the demo run's.
  test.setTimeout(120_000);
  await page.goto(runUrl);
  await page.evaluate(() => ((window as any).__notReloaded = true));
  const activity = page.getByRole('grid', { name: 'Activity' });
  await expect(activity.getByRole('row', { name: /Sending started/ })).toContainText(ADMIN_NAME);
  await expect(activity.getByRole('row', { name: /Completed/ })).toBeVisible({ timeout: 100_000 });
  expect(await page.evaluate(() => (window as any).__notReloaded)).toBe(true);

  const sent = await sentResults();
  expect(sent.length).toBeGreaterThanOrEqual(3);
  [proof, bounced, complained] = sent;
});

test('the History tab tells what happened to a message, and who did it', async () => {
  await page.goto(runUrl);
  const dialog = await openPreview(proof);
  await dialog.getByRole('tab', { name: 'History' }).click();
  const history = dialog.getByRole('grid', { name: 'History' });
  // Oldest first: the run's creation by the admin, then the queue's delivery.
  const created = history.getByRole('row').nth(1);
  await expect(created).toContainText('Created');
  await expect(created).toContainText(ADMIN_NAME);
  const sent = history.getByRole('row', { name: /Sent/ });
  await expect(sent).toContainText(/System \(worker [^)]+:\d+:[^)]+\)/);
  await expect(sent).toContainText(/Server’s answer: 250/);
  await expect(sent).toContainText(`Recipient: ${proof.recipient}`);
});

test('the .eml download is the message as sent, with the SHA-256 the result names', async () => {
  const dialog = page.getByRole('dialog', { name: 'Message preview' });
  expect(proof.sha256).toMatch(/^[0-9a-f]{64}$/);
  await expect(dialog.getByTestId('result-sha256')).toHaveText(`SHA-256 ${proof.sha256!.slice(0, 12)}…`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByRole('button', { name: 'Download .eml' }).click(),
  ]);
  // Saved under the name the server gives it.
  expect(download.suggestedFilename()).toBe(`${proof.invoice!.number}.eml`);
  const bytes = fs.readFileSync(await download.path());
  // Headers first, as SMTP carried them (CRLF), down to the message's own Message-ID.
  expect(bytes.toString('latin1')).toMatch(/^[A-Za-z-]+: .*\r\n/);
  const head = bytes.toString('latin1').split('\r\n\r\n')[0];
  expect(head).toContain(`Message-ID: ${proof.messageId}`);
  expect(head).toMatch(/^Subject: /m);
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(proof.sha256);
  await page.keyboard.press('Escape');
});

test('a message no longer kept says so instead of downloading', async () => {
  // The archive's day folder goes, as retention drops a day (the browser tests download no later copy).
  const day = path.join(E2E_ARCHIVE_DIR, complained.sentAt!.slice(0, 10));
  expect(fs.existsSync(day)).toBe(true);
  fs.rmSync(day, { recursive: true });

  const dialog = await openPreview(complained);
  await dialog.getByRole('button', { name: 'Download .eml' }).click();
  await expect(dialog.getByRole('alert')).toContainText('no longer in the archive storage');
  await page.keyboard.press('Escape');
});

test('a bounce and a complaint: the banner counts them, says the addresses are suppressed, and lists them', async () => {
  await mailgunEvent(bounced, { event: 'failed', severity: 'permanent', ...DSN });
  await mailgunEvent(complained, { event: 'complained' });

  await page.goto(runUrl);
  const banner = page.getByTestId('reported-results-alert');
  await expect(banner).toContainText('Delivery reports after sending: 1 bounced, 1 reported as spam');
  await expect(banner).toContainText('The addresses are now on the suppression list');
  await expect(page.getByTestId('count-bounced').locator('dd')).toHaveText('1');
  await expect(page.getByTestId('count-complained').locator('dd')).toHaveText('1');

  await banner.getByRole('button', { name: 'Show these results' }).click();
  await expect(page).toHaveURL(/status=bounced%2Ccomplained|status=bounced,complained/);
  await expect(page.getByRole('combobox', { name: 'Filter by status' })).toHaveText('Bounced or Reported as spam (2)');
  // Those two only: the result still sent is not in the list.
  await expect(page.getByRole('row', { name: new RegExp(proof.invoice!.label) })).toHaveCount(0);
  const bouncedRow = page.getByRole('row', { name: new RegExp(bounced.invoice!.label) });
  await expect(bouncedRow.getByText('Bounced', { exact: true })).toBeVisible();
  await expect(bouncedRow).toContainText(`${DSN.code} ${DSN.message}`);
  await expect(
    page.getByRole('row', { name: new RegExp(complained.invoice!.label) }).getByText('Reported as spam')
  ).toBeVisible();

  // The bounce in the result's history: from Mailgun, with its code and diagnostic.
  const dialog = await openPreview(bounced);
  await dialog.getByRole('tab', { name: 'History' }).click();
  const entry = dialog.getByRole('grid', { name: 'History' }).getByRole('row', { name: /Bounced/ });
  await expect(entry).toContainText('System (mailgun)');
  await expect(entry).toContainText(`Report: ${DSN.code} ${DSN.message}`);
  await page.keyboard.press('Escape');
});

test('the Activity panel tells who did what, newest first, with a resend’s counts', async () => {
  // Resending the bounced result: its address is suppressed, so nothing is queued.
  const row = page.getByRole('row', { name: new RegExp(bounced.invoice!.label) });
  await row.getByRole('button', { name: /^Resend the message of invoice/ }).click();
  // The customer got this invoice once: a resend asks first, naming it and the recipient.
  const confirm = page.getByRole('alertdialog');
  await expect(confirm).toContainText(`Invoice ${bounced.invoice!.label} was already sent to ${bounced.recipient}`);
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  // The notification (a warning: nothing was queued) and, once refreshed, the Activity panel say it.
  await expect(page.getByText('0 results queued again, 1 still skipped (1 suppressed)').first()).toBeVisible();

  const activity = page.getByRole('grid', { name: 'Activity' });
  const rows = activity.getByRole('row');
  const resent = rows.nth(1);
  await expect(resent).toContainText('Resent');
  await expect(resent).toContainText(ADMIN_NAME);
  await expect(resent).toContainText('0 results queued again, 1 still skipped (1 suppressed)');
  await expect(activity.getByRole('row', { name: /Completed/ })).toContainText(/System \(worker .+\)/);
  await expect(activity.getByRole('row', { name: /Sending started/ })).toContainText(ADMIN_NAME);
  // The oldest last: what the admin created the run for.
  await expect(rows.last()).toContainText('Created');
  await expect(rows.last()).toContainText(ADMIN_NAME);
  await expect(rows.last()).toContainText(
    'Monthly invoice for All customers (with children), Oct 1, 2026 – Oct 31, 2026'
  );
});

test('the suppression list is in the Content Manager: an admin adds an address (kept lower-case) and removes one', async () => {
  // Strapi's guided tour of the Content Manager opens over the page, on each of its pages, until skipped.
  const tour = page.getByRole('dialog', { name: 'Content manager' });
  await page.addLocatorHandler(tour, () => tour.getByRole('button', { name: 'Skip' }).click());
  await page.goto(`/admin/content-manager/collection-types/${SUPPRESSIONS}`);
  await expect(page.getByRole('heading', { name: 'Suppressed address' })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(bounced.recipient!.toLowerCase()) })).toContainText('bounced');

  await page
    .getByRole('link', { name: /Create new entry/ })
    .first()
    .click();
  await page.getByRole('textbox', { name: 'address' }).fill('Someone.Else@Example.COM');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved document')).toBeVisible();
  const stored = (await suppressedAddresses()).find((entry) => entry.address.startsWith('someone.else'));
  expect(stored?.address).toBe('someone.else@example.com');
  expect(stored?.reason).toBe('manual');

  await page.goto(`/admin/content-manager/collection-types/${SUPPRESSIONS}`);
  const row = page.getByRole('row', { name: /someone\.else@example\.com/ });
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: 'Row actions' }).click();
  await page.getByRole('menuitem', { name: 'Delete entry' }).click();
  await page.getByRole('alertdialog', { name: 'Confirmation' }).getByRole('button', { name: 'Confirm' }).click();
  await expect(row).toHaveCount(0);
  expect((await suppressedAddresses()).some((entry) => entry.address === 'someone.else@example.com')).toBe(false);
});
