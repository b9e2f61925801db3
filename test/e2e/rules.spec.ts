import { expect, test } from '@playwright/test';

import { signIn } from './support/console';
import { api, openAccount, ruleFor, STAFF, token, unique } from './support/service';

/**
 * Issue 16, test 3: a RULE_ADMIN enters an invalid condition and sees the error at its path, fixes it,
 * tries the draft on recent transfers before saving, saves, and sees version 2 and its diff.
 */
test('a rule admin fixes an invalid condition, tests it on recent transfers, saves version 2 and sees the diff', async ({
  page,
}) => {
  const account = await openAccount(unique('e2e-rules-owner'), 1_000);
  const rule = await ruleFor(account, { name: 'from one account', action: 'SCORE', score: 5, shadow: true });
  const { ruleId } = rule;
  try {
    await signIn(page, STAFF.ruleAdmin.username);
    await page.getByRole('link', { name: 'Rules' }).click();
    await page.getByRole('button', { name: `Edit ${ruleId}` }).click();
    await expect(page.getByRole('heading', { name: `Edit ${ruleId} (version 1)` })).toBeVisible();

    const condition = page.getByLabel('Condition (JSON)');
    await condition.fill(
      JSON.stringify({ all: [{ account: { side: 'from', in: [account] } }, { amout: { gt: 500 } }] }),
    );
    await page.getByRole('button', { name: 'Save rule' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'body.condition.all[1]' })).toBeVisible();
    await expect(condition).toHaveAttribute('aria-invalid', 'true');

    await condition.fill(
      JSON.stringify({ all: [{ account: { side: 'from', in: [account] } }, { amount: { gt: 500 } }] }),
    );
    await page.getByRole('button', { name: 'Test on recent transfers' }).click();
    await expect(
      page.getByRole('status').filter({ hasText: /Evaluated \d+ transfers: the draft hits \d+/ }),
    ).toBeVisible();
    // The dry run saved nothing: the server still holds version 1.
    const stored = await api<{ version: number }>('GET', `/v1/rules/${ruleId}`, {
      token: token('e2e-setup', 'READ_ONLY'),
      expected: 200,
    });
    expect(stored.body.version).toBe(1);

    await page.getByRole('button', { name: 'Save rule' }).click();
    const row = page.getByRole('row', { name: new RegExp(ruleId) });
    await expect(row.getByRole('cell', { name: '2', exact: true })).toBeVisible();

    await page.getByRole('button', { name: `History of ${ruleId}` }).click();
    const diff = page.getByLabel('Changes from version 1 to version 2');
    await expect(diff).toContainText('added: ');
    await expect(diff).toContainText('"amount"');
    await expect(diff).toContainText('removed: ');
  } finally {
    await rule.remove();
  }
});
