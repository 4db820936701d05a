import fs from 'fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { createAdminWithActions, logIn, setPeriod } from './helpers';

/**
 * The Message Runs pages in Chromium against e2e-server.ts: its demo data (20 customers; the SMTP
 * sink refuses the `factures@` mailboxes) and the demo's October run, already sent when the tests start.
 * One admin session walks through a run's life in order, taking the README's screenshots on the way
 * (`UPDATE_SCREENSHOTS=1` writes them to docs/screenshots).
 */

test.describe.configure({ mode: 'serial' });

// The README's screenshots change only when asked for; otherwise they go with the other test output.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : '.tmp/e2e/screenshots';
let page: Page;
let runUrl: string;

const count = (status: string) => page.getByTestId(`count-${status}`).locator('dd');
/** Whether the page was reloaded since `markPage`: what a refresh by itself must not do. */
const markPage = () => page.evaluate(() => ((window as any).__notReloaded = true));
const wasNotReloaded = () => page.evaluate(() => (window as any).__notReloaded === true);

/** Strapi's own announcement banner is not part of the plugin's pages (nor of their screenshots). */
async function closeBanner() {
  const close = page.getByRole('button', { name: 'Close the banner.' });
  if (await close.isVisible()) await close.click();
  await expect(close).toHaveCount(0);
}

/** A screenshot of the viewport, scrolled first so that `top` (when given) stands just below the sticky header. */
async function screenshot(name: string, top?: Locator) {
  await closeBanner();
  await top?.evaluate((element) => {
    element.scrollIntoView({ block: 'start' });
    // Back by the height of the header that sticks at the top of the scrolled page.
    let scroller = element.parentElement;
    while (scroller && scroller.scrollTop === 0) scroller = scroller.parentElement;
    (scroller ?? document.scrollingElement)?.scrollBy(0, -90);
  });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}` });
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await logIn(page);
  await closeBanner();
});
test.afterAll(() => page.close());

test('the runs list shows the demo run with its status and progress', async () => {
  await page.getByRole('link', { name: 'Message Runs' }).click();
  const row = page.getByRole('row', { name: /Monthly invoice/ });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('All customers (with children)');
  await expect(row).toContainText('Oct 1, 2026 – Oct 31, 2026');
  // The e2e server delivers the demo run as the tests begin (1.5 s a message, under its rate limit):
  // the list follows it to the end without a reload.
  // Completed, but 7 customers did not get their invoice: the badge says so, in a warning colour.
  await expect(row.getByText('Completed, 7 not delivered')).toBeVisible({ timeout: 30_000 });
  await expect(row).toContainText('8 sent, 7 failed, 5 skipped, 0 remaining of 20');

  await page.getByRole('combobox', { name: 'Filter by status' }).click();
  await page.getByRole('option', { name: 'Running' }).click();
  await expect(page.getByText('No runs with this status')).toBeVisible();
  // The empty state sits in the page's one <main>, not in a second.
  await expect(page.locator('main')).toHaveCount(1);
  await page.getByRole('combobox', { name: 'Filter by status' }).click();
  await page.getByRole('option', { name: 'Completed' }).click();
  await expect(row).toHaveCount(1);
});

test('creates a run through the dialog, after its preview counts', async () => {
  await closeBanner();
  await page.getByRole('button', { name: 'New run' }).click();
  const dialog = page.getByRole('dialog', { name: 'New message run' });

  await dialog.getByRole('combobox', { name: 'Message definition' }).pressSequentially('Monthly');
  await page.getByRole('option', { name: 'Monthly invoice', exact: true }).click();
  const cluster = dialog.getByRole('combobox', { name: 'Customer cluster' });
  await cluster.pressSequentially('Benelux');
  await expect(page.getByText('Nothing matches')).toBeVisible();
  await cluster.clear();
  await cluster.pressSequentially('nether');
  await expect(
    page.getByRole('option', { name: 'All customers / Netherlands / Netherlands Direct / Randstad' })
  ).toBeVisible();
  await cluster.clear();
  await cluster.pressSequentially('all cust');
  await page.getByRole('option', { name: 'All customers', exact: true }).click();
  await dialog.getByRole('checkbox', { name: 'Include child clusters' }).click();
  // The server's 400 names the field, and the dialog shows it there.
  await setPeriod(dialog, '10/31/2026', '10/1/2026');
  await expect(dialog.getByText('periodEnd must not be before periodStart')).toBeVisible();
  await setPeriod(dialog, '10/1/2026', '10/31/2026');
  await expect(dialog.getByText('periodEnd must not be before periodStart')).toHaveCount(0);
  const bcc = dialog.getByRole('textbox', { name: 'Bcc' });
  await bcc.fill('archive@');
  await expect(dialog.getByText('"archive@" is not an email address')).toBeVisible();
  await bcc.fill('archive@billing.example');
  await bcc.press('Enter');
  await expect(dialog.getByRole('button', { name: 'Remove archive@billing.example' })).toBeVisible();

  const counts = dialog.getByTestId('preview-counts');
  await expect(counts).toContainText('20 invoices');
  // The demo run sent 8 of this definition's October invoices already: the dialog names them and
  // leaves them out; the switch sends them again, and stays to undo it.
  const alreadySent = counts.getByText('skipped: already sent by another run of this definition');
  await expect(alreadySent).toHaveText('8 skipped: already sent by another run of this definition');
  await expect(counts).toContainText('7 will be sent');
  const includeAlreadySent = dialog.getByLabel('Include invoices already sent');
  await expect(includeAlreadySent).not.toBeChecked();
  await includeAlreadySent.click();
  await expect(counts).toContainText('15 will be sent');
  await expect(alreadySent).toHaveCount(0);
  await expect(includeAlreadySent).toBeChecked();
  await expect(counts).toContainText('skipped: the customer has no address');
  await expect(dialog.getByRole('button', { name: 'Create run' })).toBeEnabled();
  await screenshot('new-run-dialog.png');

  await dialog.getByRole('button', { name: 'Create run' }).click();
  await page.waitForURL(/\/admin\/plugins\/message-runs\/runs\/[a-z0-9]{24}$/);
  runUrl = page.url();
  await expect(page.getByRole('heading', { name: 'Monthly invoice' })).toBeVisible();
  await expect(count('queued')).toHaveText('15');
  await expect(count('skipped')).toHaveText('5');
  // A queued result cannot be resent: its button is off and says why.
  const queuedResend = page.getByRole('row', { name: /Queued/ }).first().getByRole('button', { name: /^Resend|is queued/ });
  await expect(queuedResend).toBeDisabled();
  await expect(queuedResend).toHaveAccessibleName(/^Invoice .+ for .+ is queued: it goes out with the run$/);
});

test('starts, stops and starts the run; results turn sent without a reload', async () => {
  await markPage();
  await page.getByRole('button', { name: 'Start sending 15 messages' }).click();
  // The sink takes 1.5 s per message: the run is still sending when it is stopped.
  await page.getByRole('button', { name: 'Stop sending' }).click();
  await expect(page.getByRole('button', { name: /^Resume sending/ })).toBeVisible();
  await expect(page.getByText('Stopped', { exact: true }).first()).toBeVisible();
  await page.getByRole('button', { name: /^Resume sending/ }).click();
  await expect(page.getByRole('button', { name: 'Stop sending' })).toBeVisible();

  await expect(count('sent')).toHaveText('8', { timeout: 20_000 });
  await expect(count('failed')).toHaveText('7');
  await expect(page.getByRole('row', { name: /INV-2026-000063/ }).getByText('Sent', { exact: true })).toBeVisible();
  await expect(page.getByRole('row', { name: /INV-2026-000067/ })).toContainText('Recipient refused');
  await expect(page.getByText('Completed, 7 not delivered', { exact: true }).first()).toBeVisible();
  expect(await wasNotReloaded()).toBe(true);
});

test('resends two selected results and removes one', async () => {
  await page.getByRole('checkbox', { name: /^Select the result of invoice INV-2026-000063 for/ }).click();
  await page.getByRole('checkbox', { name: /^Select the result of invoice INV-2026-000064 for/ }).click();
  await expect(page.getByText('2 results selected')).toBeVisible();
  await page.getByRole('button', { name: 'Resend', exact: true }).click();
  const confirm = page.getByRole('alertdialog');
  await expect(confirm).toContainText('Send 2 results again?');
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  // The notification (the Activity panel's new entry says the same).
  await expect(page.getByRole('region', { name: /^Notifications/ }).getByText('2 results queued again')).toBeVisible();
  // Queued again, then sent again by the queue, while the selection stays.
  const resent = page.getByRole('row', { name: /INV-2026-000063/ });
  await expect(resent.getByText(/^(Queued|Sending)$/)).toBeVisible();
  await expect(resent.getByText('Sent', { exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('checkbox', { name: /^Select the result of invoice INV-2026-000063 for/ })).toBeChecked();

  // One sent result: the customer got it, so the resend asks first, naming the invoice and recipient.
  await resent.getByRole('button', { name: /^Resend the message of invoice INV-2026-000063/ }).click();
  const again = page.getByRole('alertdialog');
  await expect(again).toContainText(/Invoice INV-2026-000063 was already sent to \S+@\S+ on .+\. It will be mailed to them again\./);
  await again.getByRole('button', { name: 'Cancel' }).click();
  await expect(again).toHaveCount(0);
  await expect(resent.getByText('Sent', { exact: true })).toBeVisible();

  await page.getByRole('button', { name: /^Remove the result of invoice INV-2026-000062 for/ }).click();
  await expect(page.getByRole('alertdialog')).toContainText(
    'Remove the result of invoice INV-2026-000062 for C10001 from the run?'
  );
  await page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(count('total')).toHaveText('19');
  await expect(page.getByRole('row', { name: /INV-2026-000062/ })).toHaveCount(0);
});

test('previews the message of a result', async () => {
  await page.getByRole('button', { name: /^Preview the message of invoice INV-2026-000063 for/ }).click();
  const preview = page.getByRole('dialog', { name: 'Message preview' });
  await expect(preview).toContainText('Invoice INV-2026-000063 for Müller IT-Service GmbH');
  await expect(preview).toContainText('rechnungen@muller-it-service.example');
  await expect(preview).toContainText('archive@billing.example');
  await expect(preview).toContainText(/INV-2026-000063\.pdf \(application\/pdf, [\d.]+ KB\)/);
  // The attachment downloads as it would be attached now, under its own name.
  const [pdf] = await Promise.all([
    page.waitForEvent('download'),
    preview.getByRole('button', { name: /^INV-2026-000063\.pdf/ }).click(),
  ]);
  expect(pdf.suggestedFilename()).toBe('INV-2026-000063.pdf');
  expect(fs.readFileSync((await pdf.path())!).subarray(0, 5).toString()).toBe('%PDF-');
  const frame = preview.locator('iframe');
  await expect(frame).toHaveAttribute('sandbox', '');
  await expect(
    page.frameLocator('iframe[title="HTML body of the message"]').getByText('Dear Müller IT-Service GmbH,')
  ).toBeVisible();
  await preview.getByRole('tab', { name: 'Text' }).click();
  await expect(preview).toContainText('Please find attached invoice INV-2026-000063');
  await page.keyboard.press('Escape');
  await expect(preview).toHaveCount(0);
});

test('exports the results as CSV with the admin session', async () => {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  // Named after the definition and the run's day; a byte-order mark first, for Excel.
  expect(download.suggestedFilename()).toMatch(/^Monthly-invoice-\d{4}-\d{2}-\d{2}-results\.csv$/);
  const text = fs.readFileSync((await download.path())!, 'utf8');
  expect(text.startsWith('\ufeff')).toBe(true);
  const csv = text.trim().split(/\r?\n/);
  expect(csv).toHaveLength(20); // a header and the 19 results left
  expect(csv.join('\n')).toContain('INV-2026-000063');
});

test('filters, searches, sorts and pages the results', async () => {
  // The results table's rows, not the Activity panel's below it.
  const resultRows = () => page.getByRole('grid', { name: 'Results' }).getByRole('row');
  await page.getByRole('combobox', { name: 'Filter by status' }).click();
  await page.getByRole('option', { name: /^Failed/ }).click();
  await expect(resultRows()).toHaveCount(8); // header and the 7 failed
  await page.goto(runUrl);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('searchbox', { name: 'Search by customer, invoice number or recipient' }).fill('Müller');
  await page.keyboard.press('Enter');
  await expect(resultRows()).toHaveCount(2);
  await expect(page.getByRole('row', { name: /INV-2026-000063/ })).toBeVisible();

  // Sorted and paged by the server.
  await page.goto(`${runUrl}?pageSize=10`);
  await expect(resultRows()).toHaveCount(11);
  await page.getByRole('button', { name: 'Customer' }).click();
  await expect(page.getByRole('gridcell', { name: 'Customer', exact: true })).toHaveAttribute('aria-sort', 'ascending');
  await expect(resultRows().nth(1)).toContainText('Goossens Media SRL');
  await page.getByRole('button', { name: 'Customer' }).click();
  await expect(resultRows().nth(1)).toContainText('Wolf Elektro GmbH');
  await page.getByRole('link', { name: 'Go to page 2' }).click();
  await expect(resultRows()).toHaveCount(10); // a header and the last 9 of 19
  await expect(resultRows().nth(9)).toContainText('Goossens Media SRL');
  await page.goto(runUrl);
  await expect(resultRows()).toHaveCount(20);
  // Down to the counts and the results, where sent, failed and skipped ones stand together.
  await screenshot('run-page.png', page.getByTestId('run-counts'));
});

test('the results table fits at 1440 and at 800 px: the actions in view, the whole answer and the recipient on the row', async () => {
  await page.goto(runUrl);
  const row = page.getByRole('row', { name: /INV-2026-000067/ });
  const remove = row.getByRole('button', { name: /^Remove the result of invoice/ });
  await row.scrollIntoViewIfNeeded();
  await expect(remove).toBeInViewport({ ratio: 1 });
  // The server's answer in full, not cut at a column's width.
  await expect(row.getByText(/^550 5\.1\.1 .*Mailbox unavailable/)).toBeVisible();

  await page.setViewportSize({ width: 800, height: 900 });
  await row.scrollIntoViewIfNeeded();
  await expect(remove).toBeInViewport({ ratio: 1 });
  // The recipient column gives way: the address is on the customer's line.
  await expect(page.getByRole('button', { name: 'Recipient' })).toBeHidden();
  await expect(row.getByText(/^factures@/).filter({ visible: true })).toHaveCount(1);
  await screenshot('run-page-800.png', page.getByRole('grid', { name: 'Results' }));
  await page.setViewportSize({ width: 1440, height: 900 });
  await expect(page.getByRole('button', { name: 'Recipient' })).toBeVisible();
});

test('an admin who may only read sees no Start, Resend or Remove', async ({ browser, request }) => {
  const reader = await createAdminWithActions(request, ['plugin::message-runs.read']);
  const readerPage = await browser.newPage();
  await logIn(readerPage, reader);
  await readerPage.getByRole('link', { name: 'Message Runs' }).click();
  await expect(readerPage.getByRole('row', { name: /Monthly invoice/ }).first()).toBeVisible();
  await expect(readerPage.getByRole('button', { name: 'New run' })).toHaveCount(0);

  await readerPage.goto(runUrl);
  await expect(readerPage.getByRole('row', { name: /INV-2026-000063/ })).toBeVisible();
  for (const name of [/^Start/, /^Stop/, /^Resume/, /^Delete/, /^Resend/, /^Remove/]) {
    await expect(readerPage.getByRole('button', { name })).toHaveCount(0);
  }
  await expect(readerPage.getByRole('checkbox')).toHaveCount(0);
  await expect(
    readerPage.getByRole('button', { name: /^Preview the message of invoice INV-2026-000063 for/ })
  ).toBeVisible();
  await readerPage.close();
});

test('an admin who may not read runs has no Message Runs link, but the mail settings', async ({ browser, request }) => {
  const mailAdmin = await createAdminWithActions(request, ['plugin::message-runs.settings']);
  const mailPage = await browser.newPage();
  await logIn(mailPage, mailAdmin);
  await expect(mailPage.getByRole('link', { name: 'Settings', exact: true })).toBeVisible();
  await expect(mailPage.getByRole('link', { name: 'Message Runs' })).toHaveCount(0);
  await mailPage.goto('/admin/settings/message-runs');
  await expect(mailPage.getByText(/^SMTP 127\.0\.0\.1:\d+$/)).toBeVisible();
  await mailPage.close();
});

test('the mail settings page shows the transport and sends a test email', async () => {
  await page.goto('/admin/settings/message-runs');
  await expect(page.getByText(/^SMTP 127\.0\.0\.1:\d+$/)).toBeVisible();
  // Beside Strapi's own Settings → Email page: which of the two the runs use.
  await expect(page.getByTestId('transport-not-email-plugin')).toContainText('not the provider of Settings → Email');
  await expect(page.getByTestId('setting-perMinute')).toHaveText('No limit');
  await page.getByRole('textbox', { name: 'Recipient' }).fill('ops@example.com');
  await page.getByRole('button', { name: 'Send test email' }).click();
  const outcome = page.getByTestId('test-email-outcome');
  await expect(outcome).toContainText(/Sent\. The server answered:\s*250/, { timeout: 10_000 });

  await page.getByRole('textbox', { name: 'Recipient' }).fill('factures@example.com');
  await page.getByRole('button', { name: 'Send test email' }).click();
  await expect(outcome).toContainText(/Not sent:.*550/);
});

test('the runs list shows both runs', async () => {
  await page.goto('/admin/plugins/message-runs');
  await expect(page.getByRole('row', { name: /Monthly invoice/ })).toHaveCount(2);
  await expect(page.getByText('by Demo Admin').filter({ visible: true })).toHaveCount(1);
  await screenshot('runs-list.png');
  // At 800 px the cluster, the period and the creation go onto the definition's line: the progress stays in view.
  await page.setViewportSize({ width: 800, height: 900 });
  await expect(page.getByText('Invoice period', { exact: true })).toBeHidden();
  for (const row of await page.getByRole('row', { name: /Monthly invoice/ }).all()) {
    await expect(row.getByRole('img', { name: /remaining of \d+$/ })).toBeInViewport({ ratio: 1 });
    await expect(row.getByText('Oct 1, 2026 – Oct 31, 2026').filter({ visible: true })).toHaveCount(1);
  }
  await expect(page.getByText('by Demo Admin').filter({ visible: true })).toHaveCount(1);
  await screenshot('runs-list-800.png');
  await page.setViewportSize({ width: 1440, height: 900 });
});

test('deletes a run that is not running', async () => {
  await page.goto(runUrl);
  await page.getByRole('button', { name: 'Delete run' }).click();
  await expect(page.getByRole('alertdialog')).toContainText('Delete this run and its 19 results?');
  await page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' }).click();
  await page.waitForURL(/\/admin\/plugins\/message-runs$/);
  await expect(page.getByRole('row', { name: /Monthly invoice/ })).toHaveCount(1);
});

test('an unknown run keeps the page header, says why, and leads back to the list', async () => {
  await page.goto('/admin/plugins/message-runs/runs/abcdefghijklmnopqrstuvwx');
  await expect(page.getByRole('heading', { name: 'Run not found' })).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'No message run has documentId "abcdefghijklmnopqrstuvwx"' })).toBeVisible();
  await expect(page.locator('main')).toHaveCount(1);
  await page.getByRole('link', { name: 'Back' }).click();
  await expect(page).toHaveURL(/\/admin\/plugins\/message-runs\/?$/);
});
