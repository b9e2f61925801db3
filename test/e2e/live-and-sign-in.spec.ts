import { expect, test } from '@playwright/test';

import { signIn } from './support/console';
import { openAccount, STAFF, STAFF_PASSWORD, submitTransfer, transferStatus, unique } from './support/service';

/** Issue 16, test 5: a transfer submitted over REST appears in the open list without a reload. */
test('a transfer submitted over REST appears in the transfers list live', async ({ page }) => {
  const owner = unique('e2e-live-owner');
  const sender = await openAccount(owner, 5_000);
  const receiver = await openAccount(unique('e2e-live-payee'), 0);
  await signIn(page, STAFF.reader.username);
  await expect(page.getByRole('heading', { name: 'Latest transfers (live)' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Transfers' });
  // The first page has loaded before the transfer exists: its row can only come from the event stream.
  await expect(table).toBeVisible();
  let navigations = 0;
  page.on('framenavigated', () => (navigations += 1));

  const transferId = await submitTransfer(owner, sender, receiver, 1_234);
  await expect.poll(() => transferStatus(transferId), { timeout: 20_000 }).toBe('COMPLETED');
  const row = table.getByRole('row', { name: new RegExp(transferId) });
  await expect(row).toBeVisible();
  await expect(row).toContainText('COMPLETED');
  expect(navigations).toBe(0);
});

/** Issue 16, test 6: five wrong passwords lock the account; then even the right one is refused, until unlocked. */
test('five wrong passwords lock the account, until a SUPER_ADMIN unlocks it', async ({ page }) => {
  await page.goto('/console/');
  const { username } = STAFF.lockable;
  const attempt = async (password: string) => {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  for (let failure = 1; failure <= 4; failure += 1) {
    await attempt(`wrong password ${failure}`);
    await expect(page.getByRole('alert')).toContainText('Wrong username or password');
  }
  await attempt('wrong password 5');
  await expect(page.getByRole('alert')).toContainText('locked until');
  await attempt(STAFF_PASSWORD);
  await expect(page.getByRole('alert')).toContainText('locked until');
  await expect(page.getByRole('navigation', { name: 'Console' })).toHaveCount(0);

  // A SUPER_ADMIN sees the lock on the Staff page and lifts it; the right password then signs in.
  await signIn(page, STAFF.admin.username);
  await page.getByRole('link', { name: 'Staff' }).click();
  const row = page.getByRole('row', { name: new RegExp(`^${username} `) });
  await expect(row).toContainText('locked until');
  await row.getByRole('button', { name: `Unlock ${username}` }).click();
  await expect(page.getByRole('status')).toHaveText(`${username} is unlocked.`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, username);
});

/** Pages are usable by keyboard alone: sign in, skip to the content, and reach a page from the navigation. */
test('an operator signs in and moves between pages with the keyboard alone', async ({ page }) => {
  await page.goto('/console/');
  await expect(page.getByLabel('Username')).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Username')).toBeFocused();
  await page.keyboard.type(STAFF.agent.username);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type(STAFF_PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Transfers', level: 1 })).toBeVisible();

  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  // Past Transfers and Remittances in the navigation.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Review queue' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Review queue', level: 1 })).toBeVisible();
});
