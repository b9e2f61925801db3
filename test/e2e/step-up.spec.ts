import { expect, type Page, test } from '@playwright/test';

import { signIn } from './support/console';
import {
  api,
  openAccount,
  STAFF,
  stepUpRuleFor,
  submitTransfer,
  token,
  transferStatus,
  unique,
} from './support/service';

/** The amount the test's STEP_UP rule asks about, so the sender's other transfers would pass. */
const STEP_UP_AMOUNT = 4_321;

/**
 * Issue 18 in the console: a transfer waiting for its customer's SMS code shows the wait (expiry, tries,
 * resends); an OPS_AGENT finds it by status and cancels it with a reason (→ REJECTED, the hold released),
 * while a READ_ONLY reader sees the same wait with no way to act on it. Staff never get a way to confirm.
 */
test.describe('a transfer waiting for its customer', () => {
  let owner: string;
  let sender: string;
  let receiver: string;
  let rule: Awaited<ReturnType<typeof stepUpRuleFor>>;
  const submitted: string[] = [];

  test.beforeAll(async () => {
    owner = unique('e2e-step-up-owner');
    sender = await openAccount(owner, 10_000, '+821055512345');
    receiver = await openAccount(unique('e2e-step-up-payee'), 0);
    rule = await stepUpRuleFor(sender, STEP_UP_AMOUNT);
  });
  test.afterAll(async () => {
    // A transfer a failed test left waiting would hold the money until its code expires; end it now.
    for (const transferId of submitted) {
      if ((await transferStatus(transferId)) !== 'AWAITING_CONFIRMATION') continue;
      await api('POST', `/v1/transfers/${transferId}/cancel`, {
        token: token('e2e-setup', 'OPS_AGENT'),
        body: { reason: 'e2e clean-up' },
      });
    }
    await rule.remove();
  });

  /** A transfer the rule steps up, once its first code is out: cancel is refused before that. */
  async function waitingTransfer(): Promise<string> {
    const transferId = await submitTransfer(owner, sender, receiver, STEP_UP_AMOUNT);
    submitted.push(transferId);
    await expect
      .poll(
        async () => {
          const { body } = await api<{ status: string; confirmation: unknown; failureReason: string | null }>(
            'GET',
            `/v1/transfers/${transferId}`,
            { token: token('e2e-setup', 'READ_ONLY'), expected: 200 },
          );
          if (body.status !== 'AWAITING_CONFIRMATION') return `${body.status}: ${body.failureReason ?? ''}`;
          return body.confirmation === null ? 'sending the first code' : 'code sent';
        },
        { timeout: 30_000, message: 'the first code goes out (the SMS gateway at SMS_GATEWAY_URL must answer)' },
      )
      .toBe('code sent');
    return transferId;
  }

  /** From the Transfers page, as an operator would: the waiting transfers of the test's sender, then this one. */
  async function openFromList(page: Page, transferId: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Transfers' }).click();
    const filters = page.getByRole('form', { name: 'Filter transfers' });
    await filters.getByLabel('Status').selectOption('AWAITING_CONFIRMATION');
    await filters.getByLabel('Account').fill(sender);
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    const row = page.getByRole('table', { name: 'Transfers' }).getByRole('row', { name: new RegExp(transferId) });
    await expect(row.getByRole('cell', { name: 'AWAITING_CONFIRMATION' })).toBeVisible();
    await row.getByRole('link', { name: transferId }).click();
    await expect(page.getByRole('heading', { level: 1, name: `Transfer ${transferId}` })).toBeVisible();
  }

  async function expectTheWait(page: Page): Promise<void> {
    const waiting = page.getByRole('region', { name: 'Waiting for the customer' });
    await expect(waiting).toContainText(/Code expires.*\(in \dm \d\ds\)/);
    await expect(waiting).toContainText(/Tries left\s*3/);
    await expect(waiting).toContainText(/Resends left\s*2/);
    await expect(page.getByRole('button', { name: /confirm/i })).toHaveCount(0);
  }

  test('an agent finds it by status, cancels it with a reason, and sees it REJECTED with the hold released', async ({
    page,
  }) => {
    const transferId = await waitingTransfer();
    await signIn(page, STAFF.agent.username);
    await openFromList(page, transferId);
    await expectTheWait(page);
    const balances = page.getByRole('region', { name: 'Balances now' });
    await expect(balances.getByRole('row', { name: /Sender/ })).toContainText('€43.21');

    // A cancel needs a reason: without one the form refuses, and nothing is sent.
    await page.getByRole('button', { name: 'Cancel transfer' }).click();
    await expect(page.getByText('A reason is required.')).toBeVisible();
    expect(await transferStatus(transferId)).toBe('AWAITING_CONFIRMATION');

    const reason = 'the customer reported the phone stolen';
    await page.getByLabel('Reason for cancelling').fill(reason);
    await page.getByRole('button', { name: 'Cancel transfer' }).click();

    await expect(page.getByText('Cancel accepted: the transfer is REJECTED.')).toBeVisible();
    await expect(page.getByRole('region', { name: 'Waiting for the customer' })).toHaveCount(0);
    const summary = page.getByRole('region', { name: 'Summary' });
    await expect(summary.getByText('REJECTED', { exact: true })).toBeVisible();
    await expect(summary.getByText(`cancelled by ${STAFF.agent.username}: ${reason}`)).toBeVisible();
    const senderRow = balances.getByRole('row', { name: /Sender/ });
    await expect(senderRow.getByRole('cell')).toHaveText([sender, '€100.00', '€100.00', '€0.00']);
    expect(await transferStatus(transferId)).toBe('REJECTED');
  });

  test('a READ_ONLY reader sees the wait, but no Cancel transfer', async ({ page }) => {
    const transferId = await waitingTransfer();
    await signIn(page, STAFF.reader.username);
    await openFromList(page, transferId);
    await expectTheWait(page);
    await expect(page.getByRole('button', { name: 'Cancel transfer' })).toHaveCount(0);
    await expect(page.getByLabel('Reason for cancelling')).toHaveCount(0);
  });
});
