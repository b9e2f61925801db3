import { expect, type Page } from '@playwright/test';

import { STAFF_PASSWORD } from './service';

/** Signs in through the console's form, as an operator does, and waits for the console's navigation. */
export async function signIn(page: Page, username: string, password = STAFF_PASSWORD): Promise<void> {
  await page.goto('/console/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Console' })).toBeVisible();
}
