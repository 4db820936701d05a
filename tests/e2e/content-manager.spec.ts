import { expect, test, type Page } from '@playwright/test';
import { adminHeaders, logIn } from './helpers';

/**
 * The Content Manager for editors, against e2e-server.ts's demo data: a message definition's edit view
 * shows the fields' labels and help lines (the templates' variables and helpers), and its recipient and
 * sender keys offer the keys in use; a picked key and a typed one are saved as they read.
 */

test.describe.configure({ mode: 'serial' });

const DEFINITIONS = 'api::message-definition.message-definition';
const NAME = 'Monthly invoice with specification';

let page: Page;
let headers: Record<string, string>;
let documentId: string;

const storedDefinition = async () => {
  const response = await page.request.get(`/content-manager/collection-types/${DEFINITIONS}/${documentId}`, {
    headers,
  });
  expect(response.ok()).toBeTruthy();
  return (await response.json()).data as { recipientKey: string; fromKey: string };
};

const openDefinition = async () => {
  await page.goto(`/admin/content-manager/collection-types/${DEFINITIONS}/${documentId}`);
  // The first visit loads the Content Manager's schemas and the key field's chunk: on a busy machine
  // (the demo run sending beside it) that takes longer than the default 5 s.
  await expect(page.getByRole('heading', { name: NAME })).toBeVisible({ timeout: 15_000 });
};

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  headers = await adminHeaders(page.request);
  const response = await page.request.get(`/content-manager/collection-types/${DEFINITIONS}`, {
    headers,
    params: { 'filters[name][$eq]': NAME },
  });
  expect(response.ok()).toBeTruthy();
  documentId = (await response.json()).results[0].documentId;
  await logIn(page);
  // Strapi's guided tour of the Content Manager opens over the page, on each of its pages, until skipped.
  const tour = page.getByRole('dialog', { name: 'Content manager' });
  await page.addLocatorHandler(tour, () => tour.getByRole('button', { name: 'Skip' }).click());
});

for (const width of [1440, 800]) {
  test(`at ${width} px the edit view labels every field and says what a template may use`, async () => {
    await page.setViewportSize({ width, height: 900 });
    await openDefinition();
    for (const label of [
      'Sender key',
      'Recipient key',
      'Subject',
      'HTML body',
      'Text body',
      'One message per customer',
    ]) {
      // A required field's label ends in its asterisk.
      await expect(
        page
          .locator('label')
          .filter({ hasText: new RegExp(`^${label}\\*?$`) })
          .first()
      ).toBeVisible();
    }
    await expect(page.getByText('fromKey', { exact: true })).toHaveCount(0);
    await expect(page.getByText('subjectTemplate', { exact: true })).toHaveCount(0);
    // The help of Subject, HTML body and Text body.
    const help = page.getByText(
      /customer\.name.*\{\{date invoice\.invoiceDate\}\}.*\{\{money invoice\.amount invoice\.currency\}\}/
    );
    await expect(help).toHaveCount(3);
    await expect(help.first()).toBeVisible();
    await expect(
      page.getByText(/Key of a customer email address \(e\.g\. billing\); must match exactly/)
    ).toBeVisible();
    await page.screenshot({ path: `.tmp/e2e/content-manager-${width}.png`, fullPage: true });
  });
}

test("the recipient key offers the customers' keys: a picked key and a typed one are saved", async () => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await openDefinition();
  const sender = page.getByRole('combobox', { name: 'Sender key' });
  await expect(sender).toHaveValue('InvoiceSending');
  await sender.click();
  await expect(page.getByRole('option', { name: 'Reminders' })).toBeVisible();
  await page.keyboard.press('Escape');

  const recipient = page.getByRole('combobox', { name: 'Recipient key' });
  await expect(recipient).toHaveValue('InvoiceEmail');
  await recipient.clear();
  await recipient.pressSequentially('fin');
  await expect(page.getByRole('option', { name: 'Finance' })).toBeVisible();
  await expect(page.getByRole('option', { name: 'InvoiceEmail' })).toHaveCount(0);
  await page.getByRole('option', { name: 'Finance' }).click();
  await expect(recipient).toHaveValue('Finance');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved document')).toBeVisible();
  expect((await storedDefinition()).recipientKey).toBe('Finance');

  // A key no customer has yet can still be typed.
  await openDefinition();
  await recipient.clear();
  await recipient.pressSequentially('Billing-2027');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved document')).toBeVisible();
  expect((await storedDefinition()).recipientKey).toBe('Billing-2027');

  // Back to the demo's key, which the other browser tests' runs use.
  await recipient.clear();
  await recipient.pressSequentially('InvoiceEmail');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved document').first()).toBeVisible();
  await expect.poll(async () => (await storedDefinition()).recipientKey).toBe('InvoiceEmail');
});
