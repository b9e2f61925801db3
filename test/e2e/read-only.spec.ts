import { expect, type Page, test } from '@playwright/test';

import { signIn } from './support/console';
import {
  api,
  openAccount,
  reviewRuleFor,
  STAFF,
  STAFF_PASSWORD,
  submitTransfer,
  transferStatus,
  unique,
} from './support/service';

/** Buttons that only move around or show more; everything else on a page would change something. */
const NOT_ACTIONS =
  /^(Sign out|Open case .*|View .*|History of .*|Show records.*|Close.*|Next page|First page|Apply filters|Clear filters|Next case|Skip to content)$/;

const PAGES = ['Transfers', 'Remittances', 'Review queue', 'Rules', 'Repairs', 'Health'];

async function actionButtons(page: Page): Promise<string[]> {
  const names: string[] = [];
  for (const button of await page.getByRole('button').all()) {
    names.push(((await button.getAttribute('aria-label')) ?? (await button.textContent()) ?? '').trim());
  }
  return names.filter((name) => !NOT_ACTIONS.test(name));
}

/**
 * Issue 16, test 4: READ_ONLY (and AUDITOR) see no action button on any page, not even on an open case,
 * and the server refuses the same requests made with the token their sign-in got.
 */
test.describe('roles that only read', () => {
  let transferId: string;
  let rule: Awaited<ReturnType<typeof reviewRuleFor>>;

  test.beforeAll(async () => {
    const owner = unique('e2e-ro-owner');
    const sender = await openAccount(owner, 5_000);
    rule = await reviewRuleFor(sender);
    transferId = await submitTransfer(owner, sender, await openAccount(unique('e2e-ro-payee'), 0), 1_000);
    await expect.poll(() => transferStatus(transferId), { timeout: 20_000 }).toBe('UNDER_REVIEW');
  });
  test.afterAll(async () => {
    await api('POST', `/v1/transfers/${transferId}/review`, {
      token: (
        await api<{ token: string }>('POST', '/v1/auth/login', {
          body: { username: STAFF.agent.username, password: STAFF_PASSWORD },
        })
      ).body.token,
      body: { decision: 'REJECT', reason: 'e2e clean-up' },
    });
    await rule.remove();
  });

  for (const who of [STAFF.reader, STAFF.auditor]) {
    test(`${who.role} sees no action button, and its token is refused the actions`, async ({ page }) => {
      await signIn(page, who.username);
      for (const name of PAGES) {
        await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name }).click();
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
        await page.waitForLoadState('networkidle');
        expect(await actionButtons(page), `action buttons on ${name}`).toEqual([]);
      }
      await expect(page.getByRole('link', { name: 'Staff' })).toHaveCount(0);
      await page.getByRole('link', { name: 'Review queue' }).click();
      await page.getByRole('button', { name: `Open case ${transferId}` }).click();
      await expect(page.getByRole('heading', { name: `Case ${transferId}` })).toBeVisible();
      expect(await actionButtons(page)).toEqual([]);

      // The same requests the hidden buttons would send, with the token this sign-in got: refused.
      const { body: session } = await api<{ token: string }>('POST', '/v1/auth/login', {
        body: { username: who.username, password: STAFF_PASSWORD },
        expected: 200,
      });
      const forged = [
        ['POST', `/v1/transfers/${transferId}/review`, { decision: 'APPROVE', reason: 'forged' }],
        ['POST', `/v1/reviews/${transferId}/claim`, undefined],
        ['POST', '/v1/rules', { name: 'forged', condition: { amount: { gt: 1 } }, score: 1, action: 'BLOCK' }],
        ['POST', '/v1/dead-letters/transfer.completed/replay', undefined],
        ['POST', '/v1/remittance-failures/1/retry', undefined],
        [
          'POST',
          '/v1/staff',
          { username: 'forged', email: 'forged@e2e.test', role: 'SUPER_ADMIN', password: 'forged password 1' },
        ],
      ] as const;
      for (const [method, path, body] of forged) {
        const answer = await api(method, path, { token: session.token, body });
        expect(answer.status, `${method} ${path}`).toBe(403);
      }
      expect(await transferStatus(transferId)).toBe('UNDER_REVIEW');
    });
  }
});
