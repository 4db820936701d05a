import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { E2E_ADMIN } from '../../scripts/lib/e2e-admin';

export interface Credentials {
  email: string;
  password: string;
}

/** Logs in through the admin's login form and waits for the home page. */
export async function logIn(page: Page, { email, password }: Credentials = E2E_ADMIN) {
  await page.goto('/admin');
  await page.getByLabel(/email/i).fill(email);
  await page.getByLabel(/password/i).fill(password);
  await page.getByRole('button', { name: /login/i }).click();
  await page.waitForURL(/\/admin\/?$/);
}

/**
 * Admin JWTs by email, kept for the worker's test files: Strapi allows an address 5 logins in 5 minutes
 * (then 429), and the test files also log in through the form.
 */
const tokens = new Map<string, string>();

/** The Authorization header of a user's admin JWT, for calls to the admin API. */
export async function adminHeaders(request: APIRequestContext, { email, password }: Credentials = E2E_ADMIN) {
  if (!tokens.has(email)) {
    const response = await request.post('/admin/login', { data: { email, password } });
    expect(response.ok()).toBeTruthy();
    tokens.set(email, (await response.json()).data.token);
  }
  return { Authorization: `Bearer ${tokens.get(email)}` };
}

/**
 * A new admin user whose role may do only `actions`, made through the admin API as an admin would:
 * a role, its permissions, an invited user, and the user's registration.
 */
export async function createAdminWithActions(request: APIRequestContext, actions: string[]): Promise<Credentials> {
  const headers = await adminHeaders(request);
  const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const role = await request.post('/admin/roles', {
    headers,
    data: { name: `Readers ${stamp}`, description: actions.join(', ') },
  });
  expect(role.ok()).toBeTruthy();
  const roleId = (await role.json()).data.id;
  const permissions = actions.map((action) => ({ action, subject: null, properties: {}, conditions: [] }));
  expect(
    (await request.put(`/admin/roles/${roleId}/permissions`, { headers, data: { permissions } })).ok()
  ).toBeTruthy();

  const email = `reader-${stamp}@example.com`;
  const invited = await request.post('/admin/users', {
    headers,
    data: { email, firstname: 'Read', lastname: 'Only', roles: [roleId] },
  });
  expect(invited.ok()).toBeTruthy();
  const { registrationToken } = (await invited.json()).data;
  const password = 'Reader-Pass-1';
  const registered = await request.post('/admin/register', {
    data: { registrationToken, userInfo: { firstname: 'Read', lastname: 'Only', password } },
  });
  expect(registered.ok()).toBeTruthy();
  return { email, password };
}

/**
 * Fills the new-run dialog's selection: the definition and the cluster by name (typed, then picked
 * from the server's options), child clusters, and the invoice period (M/D/YYYY, as typed in the picker).
 */
export async function chooseRunSelection(
  page: Page,
  dialog: Locator,
  {
    definition,
    cluster,
    includeChildren = false,
    period: [from, to],
  }: { definition: string; cluster: string; includeChildren?: boolean; period: [string, string] }
) {
  for (const [label, name] of [
    ['Message definition', definition],
    ['Customer cluster', cluster],
  ]) {
    await dialog.getByRole('combobox', { name: label }).pressSequentially(name);
    await page.getByRole('option', { name, exact: true }).click();
  }
  if (includeChildren) await dialog.getByRole('checkbox', { name: 'Include child clusters' }).click();
  await setPeriod(dialog, from, to);
}

/** Types the new-run dialog's invoice period (M/D/YYYY); leaving each picker commits its date. */
export async function setPeriod(dialog: Locator, from: string, to: string) {
  for (const [label, date] of [
    ['Invoice period from', from],
    ['Invoice period to', to],
  ]) {
    const input = dialog.getByRole('combobox', { name: label });
    await input.fill(date);
    await input.blur();
  }
}

type Headers = Record<string, string>;

/** The documentId of the option named `name`, from the new-run dialog's option routes. */
export async function optionId(request: APIRequestContext, headers: Headers, kind: 'definitions' | 'clusters', name: string) {
  const response = await request.get(`/message-runs/options/${kind}`, { headers, params: { q: name } });
  expect(response.ok()).toBeTruthy();
  const option = (await response.json()).data.find((candidate: { name: string }) => candidate.name === name);
  expect(option).toBeDefined();
  return option.documentId as string;
}

/**
 * A new run of the demo's "Monthly invoice" for All customers in October 2026, made over the admin API;
 * its documentId. `includeAlreadySent`: the demo run sent these invoices already, and the duplicate
 * guard would skip them.
 */
export async function createDemoRun(request: APIRequestContext, headers: Headers, { includeAlreadySent = false } = {}) {
  const created = await request.post('/message-runs/runs', {
    headers,
    data: {
      definition: await optionId(request, headers, 'definitions', 'Monthly invoice'),
      cluster: await optionId(request, headers, 'clusters', 'All customers'),
      includeChildren: true,
      periodStart: '2026-10-01',
      periodEnd: '2026-10-31',
      includeAlreadySent,
    },
  });
  expect(created.ok()).toBeTruthy();
  return (await created.json()).data.documentId as string;
}
