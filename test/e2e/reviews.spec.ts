import { expect, test } from '@playwright/test';

import { signIn } from './support/console';
import { openAccount, reviewRuleFor, STAFF, submitTransfer, transferStatus, unique } from './support/service';

/**
 * Issue 16, tests 1 and 2: an OPS_AGENT works a flagged transfer through the review queue to COMPLETED
 * and sees the money moved; a second agent, meanwhile, sees the case claimed and cannot decide it.
 */
test.describe('the review queue', () => {
  let owner: string;
  let sender: string;
  let receiver: string;
  let rule: Awaited<ReturnType<typeof reviewRuleFor>>;

  test.beforeAll(async () => {
    owner = unique('e2e-owner');
    sender = await openAccount(owner, 10_000);
    receiver = await openAccount(unique('e2e-payee'), 0);
    rule = await reviewRuleFor(sender);
  });
  test.afterAll(async () => {
    await rule.remove();
  });

  async function flaggedTransfer(amount: number): Promise<string> {
    const transferId = await submitTransfer(owner, sender, receiver, amount);
    await expect.poll(() => transferStatus(transferId), { timeout: 20_000 }).toBe('UNDER_REVIEW');
    return transferId;
  }

  test('an agent claims a flagged transfer, approves it with a reason, and sees it COMPLETED with the balance moved', async ({
    browser,
  }) => {
    const transferId = await flaggedTransfer(2_500);
    const agent = await browser.newPage();
    const other = await browser.newPage();
    await signIn(agent, STAFF.agent.username);
    await signIn(other, STAFF.secondAgent.username);

    await agent.getByRole('link', { name: 'Review queue' }).click();
    await agent.getByRole('button', { name: `Open case ${transferId}` }).click();
    const claimButton = agent.getByRole('button', { name: 'Claim' });
    await claimButton.click();
    await expect(agent.getByText(`Claimed by ${STAFF.agent.username} until`)).toBeVisible();

    // Test 2: the second agent sees who holds the case, and no way to decide it.
    await other.getByRole('link', { name: 'Review queue' }).click();
    const row = other.getByRole('row', { name: new RegExp(transferId) });
    await expect(row.getByRole('cell', { name: `Claimed by ${STAFF.agent.username}` })).toBeVisible();
    await row.getByRole('button', { name: `Open case ${transferId}` }).click();
    await expect(other.getByRole('button', { name: 'Claim' })).toBeDisabled();
    await expect(other.getByRole('button', { name: 'Approve' })).toBeDisabled();

    // A decision needs a reason: without one the form refuses, and nothing is sent.
    await agent.getByRole('button', { name: 'Approve' }).click();
    await expect(agent.getByText('A reason is required')).toBeVisible();
    expect(await transferStatus(transferId)).toBe('UNDER_REVIEW');

    await agent.getByLabel('Reason').fill('called the customer, who confirmed it');
    await agent.getByRole('button', { name: 'Approve' }).click();
    await expect(agent.getByText('Decision recorded.')).toBeVisible();
    await expect.poll(() => transferStatus(transferId), { timeout: 20_000 }).toBe('COMPLETED');

    await agent.getByRole('link', { name: 'Transfers' }).click();
    await agent.getByLabel('Account').fill(sender);
    await agent.getByRole('button', { name: 'Apply filters' }).click();
    await agent.getByRole('link', { name: transferId }).click();
    const summary = agent.getByRole('region', { name: 'Summary' });
    await expect(summary.getByText('COMPLETED', { exact: true })).toBeVisible();
    const review = agent.getByRole('region', { name: 'Review' });
    await expect(review.getByText('called the customer, who confirmed it')).toBeVisible();
    const balances = agent.getByRole('region', { name: 'Balances now' });
    await expect(balances.getByRole('row', { name: /Sender/ })).toContainText('€75.00');
    await expect(balances.getByRole('row', { name: /Receiver/ })).toContainText('€25.00');
  });
});
