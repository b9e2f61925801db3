import { expect, test } from '@playwright/test';

import { signIn } from './support/console';
import { registerBusinesses, remittanceStatus, STAFF, submitRemittance, unique } from './support/service';

/**
 * A business remittance submitted over REST by its owner goes over the stack's rail simulator to COMPLETED;
 * an operator finds it in the console by its number and status, and its page shows how it got there.
 */
test('a remittance submitted over REST is listed with its number and status, and its page shows its history', async ({
  page,
}) => {
  const owner = unique('e2e-remit-owner');
  const { from, to } = await registerBusinesses(owner);
  const reference = unique('e2e invoice');
  const { remittanceId, number } = await submitRemittance(owner, from, to, 12_500, reference);
  await expect.poll(() => remittanceStatus(remittanceId), { timeout: 30_000 }).toBe('COMPLETED');

  await signIn(page, STAFF.agent.username);
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Remittances' }).click();
  await page.getByLabel('Status').selectOption('COMPLETED');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const row = page.getByRole('table', { name: 'Remittances' }).getByRole('row', { name: new RegExp(`^${number} `) });
  await expect(row).toContainText('COMPLETED');
  await expect(row).toContainText(`${from.bank}/${from.account}`);
  await expect(row).toContainText(`${to.bank}/${to.account}`);
  await expect(row).toContainText('€125.00');
  await expect(row).toContainText(reference);

  await row.getByRole('link', { name: number }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Remittance ${number}` })).toBeVisible();
  const summary = page.getByRole('region', { name: 'Summary' });
  await expect(summary.getByText('COMPLETED', { exact: true })).toBeVisible();
  const history = page.getByRole('region', { name: 'Status history' }).getByRole('listitem');
  await expect(history).toHaveText([/^REQUESTED /, /^DEPOSIT_PENDING /, /^DEPOSITED /, /^WITHDRAWN /, /^COMPLETED /]);
  const instructions = page.getByRole('table', { name: 'Rail instructions' });
  await expect(instructions.getByRole('row', { name: new RegExp(`${remittanceId}:collect`) })).toContainText(
    'SUCCEEDED',
  );
  await expect(instructions.getByRole('row', { name: new RegExp(`${remittanceId}:payout`) })).toContainText(
    'SUCCEEDED',
  );
  await expect(page.getByRole('link', { name: 'Open in Temporal Web UI' })).toHaveAttribute(
    'href',
    new RegExp(remittanceId),
  );
});
