import { expect, test } from '@playwright/test';
import { logIn } from './helpers';

test('the Message Runs page is in the admin menu', async ({ page }) => {
  await logIn(page);
  await page.getByRole('link', { name: 'Message Runs' }).click();
  await expect(page).toHaveURL(/\/admin\/plugins\/message-runs$/);
  await expect(page.getByRole('heading', { name: 'Message Runs' })).toBeVisible();
});
