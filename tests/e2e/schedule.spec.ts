import { expect, test, type Locator, type Page } from '@playwright/test';
import { adminHeaders, logIn } from './helpers';

/**
 * Scheduling a run from the panel, against e2e-server.js's demo data: the new-run dialog's date, time
 * and time-zone pickers create a `scheduled` run whose start the server placed in the chosen zone; the
 * run page moves the schedule and cancels it. (That a due run starts once is tests/api/runs-schedule.)
 */

test.describe.configure({ mode: 'serial' });

let page: Page;
let headers: Record<string, string>;
let runId: string | undefined;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  headers = await adminHeaders(page.request);
  await logIn(page);
  const close = page.getByRole('button', { name: 'Close the banner.' });
  if (await close.isVisible()) await close.click();
});

test.afterAll(async () => {
  // The other browser tests count the demo's runs: this one goes again.
  if (runId) expect((await page.request.delete(`/message-runs/runs/${runId}`, { headers })).ok()).toBeTruthy();
  await page.close();
});

const runOfPage = async () => {
  const response = await page.request.get(`/message-runs/runs/${runId}`, { headers });
  expect(response.ok()).toBeTruthy();
  return (await response.json()).data;
};

/** Picks a date, a time and a zone in the pickers of `scope` (a dialog). */
async function pickSchedule(
  scope: Locator,
  { date, time, zone }: { date?: string; time: string; zone?: [string, string] }
) {
  if (date) {
    const dateInput = scope.getByRole('combobox', { name: 'Date', exact: true });
    await dateInput.fill(date);
    await dateInput.blur();
  }
  await scope.getByRole('combobox', { name: 'Time', exact: true }).click();
  await page.getByRole('option', { name: time, exact: true }).click();
  if (zone) {
    const zoneInput = scope.getByRole('combobox', { name: 'Time zone' });
    await zoneInput.click();
    await zoneInput.fill(zone[0]);
    await page.getByRole('option', { name: zone[1], exact: true }).click();
  }
}

test('schedules a new run from the dialog, at a time in the chosen zone', async () => {
  await page.goto('/admin/plugins/message-runs');
  await page.getByRole('button', { name: 'New run' }).click();
  const dialog = page.getByRole('dialog', { name: 'New message run' });
  await dialog.getByRole('combobox', { name: 'Message definition' }).pressSequentially('Monthly');
  await page.getByRole('option', { name: 'Monthly invoice', exact: true }).click();
  await dialog.getByRole('combobox', { name: 'Customer cluster' }).pressSequentially('all cust');
  await page.getByRole('option', { name: 'All customers', exact: true }).click();
  await dialog.getByRole('checkbox', { name: 'Include child clusters' }).click();
  for (const [label, date] of [
    ['Invoice period from', '10/1/2026'],
    ['Invoice period to', '10/31/2026'],
  ]) {
    const input = dialog.getByRole('combobox', { name: label });
    await input.fill(date);
    await input.blur();
  }
  await expect(dialog.getByTestId('preview-counts')).toContainText('20 invoices');
  await expect(dialog.getByRole('button', { name: 'Create run' })).toBeEnabled();

  // In winter Berlin is UTC+01:00: the zone's offset is the one of the chosen day.
  await pickSchedule(dialog, { date: '12/1/2030', time: '07:00', zone: ['Berlin', 'UTC+01:00 Europe/Berlin'] });
  await dialog.getByRole('button', { name: 'Create and schedule' }).click();
  await page.waitForURL(/\/admin\/plugins\/message-runs\/runs\/[a-z0-9]{24}$/);
  runId = page.url().split('/').at(-1);

  await expect(page.getByText('Scheduled', { exact: true }).first()).toBeVisible();
  await expect(page.getByText('Dec 1, 2030, 7:00 AM (Europe/Berlin)')).toBeVisible();
  expect(await runOfPage()).toMatchObject({
    status: 'scheduled',
    scheduledAt: '2030-12-01T06:00:00.000Z',
    timeZone: 'Europe/Berlin',
  });
});

test('moves the schedule on the run page, then cancels it', async () => {
  await page.getByRole('button', { name: 'Change schedule' }).click();
  const dialog = page.getByRole('dialog', { name: 'Start the run at' });
  // The dialog opens on the schedule as chosen, in its zone.
  await expect(dialog.getByRole('combobox', { name: 'Time', exact: true })).toHaveValue('07:00');
  await pickSchedule(dialog, { time: '08:30' });
  await dialog.getByRole('button', { name: 'Schedule' }).click();
  await expect(page.getByText('Dec 1, 2030, 8:30 AM (Europe/Berlin)')).toBeVisible();
  expect(await runOfPage()).toMatchObject({ status: 'scheduled', scheduledAt: '2030-12-01T07:30:00.000Z' });

  await page.getByRole('button', { name: 'Cancel schedule' }).click();
  await expect(page.getByRole('button', { name: 'Schedule', exact: true })).toBeVisible();
  expect(await runOfPage()).toMatchObject({ status: 'stopped', stopReason: 'stopped-by-admin', scheduledAt: null });
});
