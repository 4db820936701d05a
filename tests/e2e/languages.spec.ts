import { expect, test, type Page } from '@playwright/test';
import { adminHeaders, chooseRunSelection, logIn } from './helpers';

/**
 * Templates per language in the panel, against e2e-server.ts: a definition with `nl` and `de`
 * translations and a cluster of its own with customers in nl-BE, de and en-GB (no translation), set
 * up over REST with an API token as an integrator would. The new-run dialog counts the messages per
 * language, and each result's preview names the language it used with the translated subject.
 */

test.describe.configure({ mode: 'serial' });

const STAMP = Date.now().toString(36);
const DEFINITION = `Language test ${STAMP}`;
const CLUSTER = `Language test ${STAMP}`;
const CUSTOMERS = [
  { code: `LT-${STAMP}-BE`, name: 'Brouwerij Zuid', languageCode: 'nl-BE', number: `INV-LT-${STAMP}-BE` },
  { code: `LT-${STAMP}-DE`, name: 'Brauerei Süd', languageCode: 'de', number: `INV-LT-${STAMP}-DE` },
  { code: `LT-${STAMP}-GB`, name: 'Southern Brewery', languageCode: 'en-GB', number: `INV-LT-${STAMP}-GB` },
];
/** A period no other browser test selects, so their counts stay as they were. */
const PERIOD = { periodStart: '2031-03-01', periodEnd: '2031-03-31' };

let page: Page;
let headers: Record<string, string>;
let token: { id: number; header: Record<string, string> };
/** What the test created over REST, by plural, deleted again afterwards (last created first). */
const created: [string, string][] = [];
let runId: string | undefined;

/** Creates a document through the content API (`/api/<plural>`) and returns its documentId. */
async function createDoc(plural: string, data: Record<string, unknown>) {
  const response = await page.request.post(`/api/${plural}`, { headers: token.header, data: { data } });
  expect(response.ok(), await response.text()).toBeTruthy();
  const { documentId } = (await response.json()).data;
  created.push([plural, documentId]);
  return documentId as string;
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  headers = await adminHeaders(page.request);
  const tokenResponse = await page.request.post('/admin/api-tokens', {
    headers,
    data: { name: `Language test ${STAMP}`, description: 'tests/e2e/languages.spec.ts', type: 'full-access' },
  });
  expect(tokenResponse.ok(), await tokenResponse.text()).toBeTruthy();
  const { id, accessKey } = (await tokenResponse.json()).data;
  token = { id, header: { Authorization: `Bearer ${accessKey}` } };

  const transformations = await page.request.get('/api/invoice-transformations', {
    headers: token.header,
    params: { 'filters[name][$eq]': 'Usage specification' },
  });
  expect(transformations.ok()).toBeTruthy();
  const transformation = (await transformations.json()).data[0].documentId as string;

  await createDoc('message-definitions', {
    name: DEFINITION,
    fromKey: 'InvoiceSending',
    recipientKey: 'InvoiceEmail',
    subjectTemplate: 'Invoice {{invoice.label}} for {{customer.name}}',
    bodyTemplate: '<p>Dear {{customer.name}},</p>',
    invoiceTransformations: [transformation],
    translations: [
      {
        languageCode: 'nl',
        subjectTemplate: 'Factuur {{invoice.label}} voor {{customer.name}}',
        bodyTemplate: '<p>Beste {{customer.name}},</p>',
      },
      {
        languageCode: 'de',
        subjectTemplate: 'Rechnung {{invoice.label}} für {{customer.name}}',
        bodyTemplate: '<p>Sehr geehrte {{customer.name}},</p>',
      },
    ],
  });
  const cluster = await createDoc('customer-clusters', { name: CLUSTER });
  for (const { code, name, languageCode, number } of CUSTOMERS) {
    const customer = await createDoc('customers', {
      code,
      name,
      languageCode,
      cluster,
      emailAddresses: [{ key: 'InvoiceEmail', address: `${code.toLowerCase()}@language-test.example` }],
    });
    const invoice = await createDoc('invoices', {
      number,
      customer,
      ...PERIOD,
      status: 'approved',
      type: 'period',
      amount: 100,
      currency: 'EUR',
      invoiceDate: '2031-04-01',
    });
    await createDoc('transformation-results', {
      invoice,
      transformation,
      content: `<p>Usage of ${number}</p>`,
      fileName: `${number}.html`,
      mimeType: 'text/html',
    });
  }

  await logIn(page);
  const close = page.getByRole('button', { name: 'Close the banner.' });
  if (await close.isVisible()) await close.click();
});

test.afterAll(async () => {
  if (runId) expect((await page.request.delete(`/message-runs/runs/${runId}`, { headers })).ok()).toBeTruthy();
  for (const [plural, documentId] of created.reverse()) {
    const response = await page.request.delete(`/api/${plural}/${documentId}`, { headers: token.header });
    expect(response.ok(), `${plural} ${documentId}: ${await response.text()}`).toBeTruthy();
  }
  if (token) expect((await page.request.delete(`/admin/api-tokens/${token.id}`, { headers })).ok()).toBeTruthy();
  await page.close();
});

test('the new-run dialog counts the messages per language', async () => {
  await page.goto('/admin/plugins/message-runs');
  await page.getByRole('button', { name: 'New run' }).click();
  const dialog = page.getByRole('dialog', { name: 'New message run' });
  await chooseRunSelection(page, dialog, {
    definition: DEFINITION,
    cluster: CLUSTER,
    period: ['3/1/2031', '3/31/2031'],
  });
  const counts = dialog.getByTestId('preview-counts');
  await expect(counts).toContainText('3 invoices');
  await expect(counts).toContainText('3 will be sent');
  // nl-BE has no translation of its own: nl's serves it. en-GB has none at all: the definition's own.
  const languages = dialog.getByTestId('preview-languages');
  await expect(languages).toContainText('Messages per language:');
  for (const count of ['nl 1', 'de 1', 'default templates 1']) await expect(languages).toContainText(count);

  await dialog.getByRole('button', { name: 'Create run' }).click();
  await page.waitForURL(/\/admin\/plugins\/message-runs\/runs\/[a-z0-9]{24}$/);
  runId = page.url().split('/').at(-1);
  await expect(page.getByTestId('count-queued').locator('dd')).toHaveText('3');
});

test('a result’s preview names the language it used, with the translated subject', async () => {
  for (const [index, language, subject] of [
    [0, 'nl', `Factuur ${CUSTOMERS[0].number} voor Brouwerij Zuid`],
    [1, 'de', `Rechnung ${CUSTOMERS[1].number} für Brauerei Süd`],
    [2, 'Default templates', `Invoice ${CUSTOMERS[2].number} for Southern Brewery`],
  ] as const) {
    const { number, code } = CUSTOMERS[index];
    await page.getByRole('button', { name: `Preview the message of invoice ${number} for ${code}` }).click();
    const preview = page.getByRole('dialog', { name: 'Message preview' });
    await expect(preview).toContainText(subject);
    // The label and its value, then the next row's label: exactly this language.
    await expect(preview).toContainText(`Language${language}Attachments`);
    await page.keyboard.press('Escape');
    await expect(preview).toHaveCount(0);
  }
});
