import { expect, test, type Locator, type Page } from '@playwright/test';
import { adminHeaders, chooseRunSelection, logIn } from './helpers';

/**
 * Scheduling a run from the panel, against e2e-server.ts's demo data: the new-run dialog's date, time
 * and time-zone pickers create a `scheduled` run whose start (and latest start, `notAfter`) the server
 * placed in the chosen zone; the run page moves the schedule and cancels it. (That a due run starts
 * once, and that one past its notAfter stops with missed-schedule, is tests/api/runs-schedule.)
 */

test.describe.configure({ mode: 'serial' });

let page: Page;
let headers: Record<string, string>;
let runId: string | undefined;

test.beforeAll(async ({ browser }) => {
  // The browser's zone is the dialog's first choice: UTC, as on many a server, which Chromium's zone list lacks.
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC' });
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

/** The labels of the start's pickers, and of the latest start's. */
const START: [string, string] = ['Date', 'Time'];
const NOT_AFTER: [string, string] = ['Don’t start after (date)', 'Don’t start after (time)'];

/** Picks a date (when given) and a time in the pickers labelled `labels` of `scope` (a dialog). */
async function pickWallTime(
  scope: Locator,
  [dateLabel, timeLabel]: [string, string],
  { date, time }: { date?: string; time: string }
) {
  // A closing list hands the focus back to its input: typing before it has closed would go there.
  const listClosed = () => expect(page.getByRole('listbox')).toHaveCount(0);
  await listClosed();
  if (date) {
    const dateInput = scope.getByRole('combobox', { name: dateLabel, exact: true });
    await dateInput.fill(date);
    await dateInput.blur();
    // The picker writes 12/1/2030 as 12/01/2030.
    await expect(dateInput).toHaveValue(date.replace(/\b(\d)\b/g, '0$1'));
  }
  const timeInput = scope.getByRole('combobox', { name: timeLabel, exact: true });
  await timeInput.click();
  await page.getByRole('option', { name: time, exact: true }).click();
  await listClosed();
  await expect(timeInput).toHaveValue(time);
}

/** Picks a date, a time and a zone in the pickers of `scope` (a dialog). */
async function pickSchedule(
  scope: Locator,
  { date, time, zone }: { date?: string; time: string; zone?: [string, string] }
) {
  await pickWallTime(scope, START, { date, time });
  if (zone) {
    const zoneInput = scope.getByRole('combobox', { name: 'Time zone' });
    await zoneInput.click();
    await zoneInput.fill(zone[0]);
    await page.getByRole('option', { name: zone[1], exact: true }).click();
    await expect(page.getByRole('listbox')).toHaveCount(0);
    await expect(zoneInput).toHaveValue(zone[1]);
  }
}

test('schedules a new run from the dialog, at a time in the chosen zone and not after a later one', async () => {
  await page.goto('/admin/plugins/message-runs');
  await page.getByRole('button', { name: 'New run' }).click();
  const dialog = page.getByRole('dialog', { name: 'New message run' });
  await chooseRunSelection(page, dialog, {
    definition: 'Monthly invoice',
    cluster: 'All customers',
    includeChildren: true,
    period: ['10/1/2026', '10/31/2026'],
  });
  await expect(dialog.getByTestId('preview-counts')).toContainText('20 invoices');
  await expect(dialog.getByRole('button', { name: 'Create run' })).toBeEnabled();

  await expect(dialog.getByRole('combobox', { name: 'Time zone' })).toHaveValue('UTC+00:00 UTC');
  // In winter Berlin is UTC+01:00: the zone's offset is the one of the chosen day.
  await pickSchedule(dialog, { date: '12/1/2030', time: '07:00', zone: ['Berlin', 'UTC+01:00 Europe/Berlin'] });
  const create = dialog.getByRole('button', { name: 'Create and schedule' });
  await expect(create).toBeEnabled();

  // The latest start says what happens when it passes, and must come after the start.
  await expect(dialog).toContainText('it stops with the reason “missed-schedule”');
  const notAfterDate = dialog.getByRole('combobox', { name: NOT_AFTER[0], exact: true });
  await expect(page.getByRole('listbox')).toHaveCount(0);
  await notAfterDate.fill('12/1/2030');
  await notAfterDate.blur();
  await expect(notAfterDate).toHaveValue('12/01/2030');
  await expect(dialog.getByText('Choose a date and a time, or clear both')).toBeVisible();
  await expect(create).toBeDisabled();
  await pickWallTime(dialog, NOT_AFTER, { time: '06:45' });
  await expect(dialog.getByText('Must be after the scheduled start')).toBeVisible();
  await expect(create).toBeDisabled();
  await pickWallTime(dialog, NOT_AFTER, { time: '09:00' });
  await expect(dialog.getByText('Must be after the scheduled start')).toHaveCount(0);
  await create.click();
  await page.waitForURL(/\/admin\/plugins\/message-runs\/runs\/[a-z0-9]{24}$/);
  runId = page.url().split('/').at(-1);

  await expect(page.getByText('Scheduled', { exact: true }).first()).toBeVisible();
  await expect(page.getByText('Dec 1, 2030, 7:00 AM (Europe/Berlin)')).toBeVisible();
  await expect(page.getByText('Dec 1, 2030, 9:00 AM (Europe/Berlin)')).toBeVisible();
  expect(await runOfPage()).toMatchObject({
    status: 'scheduled',
    scheduledAt: '2030-12-01T06:00:00.000Z',
    timeZone: 'Europe/Berlin',
    notAfter: '2030-12-01T08:00:00.000Z',
  });
});

test('moves the schedule on the run page, then cancels it', async () => {
  await page.getByRole('button', { name: 'Change schedule' }).click();
  const dialog = page.getByRole('dialog', { name: 'Start the run at' });
  // The dialog opens on the schedule as chosen, in its zone.
  await expect(dialog.getByRole('combobox', { name: 'Time', exact: true })).toHaveValue('07:00');
  await expect(dialog.getByRole('combobox', { name: 'Time zone' })).toHaveValue('UTC+01:00 Europe/Berlin');
  await expect(dialog.getByRole('combobox', { name: NOT_AFTER[1], exact: true })).toHaveValue('09:00');
  const save = dialog.getByRole('button', { name: 'Schedule' });
  // A start after the latest start is refused at once.
  await pickSchedule(dialog, { time: '09:30' });
  await expect(dialog.getByText('Must be after the scheduled start')).toBeVisible();
  await expect(save).toBeDisabled();
  // Today at midnight in Berlin has passed: the dialog lets it through, and shows the server's 400 on
  // the field it names.
  const today = new Date();
  const todayText = `${today.getMonth() + 1}/${today.getDate()}/${today.getFullYear()}`;
  // The page refreshes a scheduled run every 2 s: a refresh must not undo a date being typed.
  const dateInput = dialog.getByRole('combobox', { name: 'Date', exact: true });
  const refreshed = page.waitForResponse(
    (response) => response.url().endsWith(`/message-runs/runs/${runId}`) && response.request().method() === 'GET'
  );
  await dateInput.fill(todayText);
  await refreshed;
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await expect(dateInput).toHaveValue(todayText);
  await dateInput.blur();
  await expect(dateInput).toHaveValue(todayText.replace(/\b(\d)\b/g, '0$1'));
  await pickSchedule(dialog, { time: '00:00' });
  await save.click();
  await expect(dialog.getByText('scheduledAt is in the past; start the run instead')).toBeVisible();
  await pickSchedule(dialog, { date: '12/1/2030', time: '08:30' });
  await expect(dialog.getByText('scheduledAt is in the past; start the run instead')).toHaveCount(0);
  await save.click();
  await expect(page.getByText('Dec 1, 2030, 8:30 AM (Europe/Berlin)')).toBeVisible();
  expect(await runOfPage()).toMatchObject({
    status: 'scheduled',
    scheduledAt: '2030-12-01T07:30:00.000Z',
    notAfter: '2030-12-01T08:00:00.000Z',
  });

  await page.getByRole('button', { name: 'Cancel schedule' }).click();
  await expect(page.getByRole('button', { name: 'Schedule', exact: true })).toBeVisible();
  expect(await runOfPage()).toMatchObject({
    status: 'stopped',
    stopReason: 'stopped-by-admin',
    scheduledAt: null,
    notAfter: null,
  });
  await expect(page.getByText('Dec 1, 2030, 9:00 AM (Europe/Berlin)')).toHaveCount(0);
});
