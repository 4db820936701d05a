import { expect, test } from '@playwright/test';

const admin = { email: 'e2e-admin@example.com', password: 'E2e-Admin-Pass-1', firstname: 'E2E', lastname: 'Admin' };

test.beforeAll(async ({ request }) => {
  // A fresh database: the first admin registers itself.
  const response = await request.post('/admin/register-admin', { data: admin });
  expect(response.ok()).toBeTruthy();
});

test('the Message Runs page is in the admin menu', async ({ page }) => {
  await page.goto('/admin');
  await page.getByLabel(/email/i).fill(admin.email);
  await page.getByLabel(/password/i).fill(admin.password);
  await page.getByRole('button', { name: /login/i }).click();
  await page.waitForURL(/\/admin\/?$/);

  await page.getByRole('link', { name: 'Message Runs' }).click();
  await expect(page).toHaveURL(/\/admin\/plugins\/message-runs$/);
  await expect(page.getByRole('heading', { name: 'Message Runs' })).toBeVisible();
});
