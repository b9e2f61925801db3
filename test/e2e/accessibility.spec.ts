import { join } from 'node:path';

import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';

import { signIn } from './support/console';
import {
  openAccount,
  registerBusinesses,
  remittanceStatus,
  reviewRuleFor,
  STAFF,
  submitRemittance,
  submitTransfer,
  transferStatus,
  unique,
} from './support/service';

/** Set CONSOLE_SCREENSHOTS=1 to refresh docs/console/ from this walk (documentation, never compared). */
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1';
const SCREENSHOT_DIR = join(__dirname, '..', '..', 'docs', 'console');

async function check(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const serious = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
    );
  expect(serious, `serious accessibility violations on ${name}`).toEqual([]);
  if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

/**
 * Issue 16, test 7: axe-core finds no serious or critical violation on any page of the console, each
 * shown with data in it (a case under review, a completed remittance, a rule's editor and history, the
 * health charts).
 */
test('no page of the console has a serious accessibility violation', async ({ page }) => {
  const owner = unique('e2e-a11y-owner');
  const sender = await openAccount(owner, 5_000);
  const receiver = await openAccount(unique('e2e-a11y-payee'), 0);
  const rule = await reviewRuleFor(sender);
  const businessOwner = unique('e2e-a11y-business');
  const businesses = await registerBusinesses(businessOwner);
  try {
    const remitted = await submitRemittance(businessOwner, businesses.from, businesses.to, 4_200, 'accessibility walk');
    const flagged = await submitTransfer(owner, sender, receiver, 800);
    await expect.poll(() => transferStatus(flagged), { timeout: 20_000 }).toBe('UNDER_REVIEW');
    await expect.poll(() => remittanceStatus(remitted.remittanceId), { timeout: 30_000 }).toBe('COMPLETED');

    await page.goto('/console/');
    await check(page, 'sign-in');
    await signIn(page, STAFF.admin.username);
    const nav = page.getByRole('navigation', { name: 'Console' });

    await expect(page.getByRole('table', { name: 'Transfers' })).toBeVisible();
    await check(page, 'transfers');
    await page.getByRole('link', { name: flagged }).click();
    await expect(page.getByRole('heading', { name: 'Risk provenance' })).toBeVisible();
    await check(page, 'transfer-detail');

    await nav.getByRole('link', { name: 'Remittances' }).click();
    const remittanceLink = page
      .getByRole('table', { name: 'Remittances' })
      .getByRole('link', { name: remitted.number });
    await expect(remittanceLink).toBeVisible();
    await check(page, 'remittances');
    await remittanceLink.click();
    await expect(page.getByRole('heading', { name: 'Rail instructions' })).toBeVisible();
    await check(page, 'remittance-detail');

    await nav.getByRole('link', { name: 'Review queue' }).click();
    await page.getByRole('button', { name: `Open case ${flagged}` }).click();
    await page.getByRole('button', { name: 'Claim' }).click();
    await expect(page.getByText(`Claimed by ${STAFF.admin.username} until`)).toBeVisible();
    await check(page, 'review-queue');
    await page.getByLabel('Reason').fill('accessibility walk: declined');
    await page.getByRole('button', { name: 'Reject' }).click();
    await expect(page.getByText('Decision recorded.')).toBeVisible();

    await nav.getByRole('link', { name: 'Rules' }).click();
    await page.getByRole('button', { name: `Edit ${rule.ruleId}` }).click();
    await page.getByRole('button', { name: 'Test on recent transfers' }).click();
    await expect(page.getByRole('status').filter({ hasText: /Evaluated \d+ transfers/ })).toBeVisible();
    await check(page, 'rules');
    await page.getByRole('button', { name: 'Close', exact: true }).click();
    await page.getByRole('button', { name: `History of ${rule.ruleId}` }).click();
    await check(page, 'rule-history');

    await nav.getByRole('link', { name: 'Repairs' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await check(page, 'repairs');
    await nav.getByRole('link', { name: 'Health' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await page.waitForTimeout(4_500); // a few polls, so the charts have points to draw
    await check(page, 'health');
    await nav.getByRole('link', { name: 'Staff' }).click();
    await expect(page.getByRole('table').first()).toBeVisible();
    await check(page, 'staff');
  } finally {
    await rule.remove();
  }
});
