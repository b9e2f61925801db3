/** Why an account cannot take part in a transfer, as the API and the reserve step both check it. */
export interface AccountProblem {
  problem: 'unknown-account' | 'account-closed' | 'currency-mismatch';
  detail: string;
}

/** What makes an account unusable for a transfer in `currency`, or nothing when it can take part. */
export function accountProblem(
  accountId: string,
  account: { status: string; currency: string } | undefined,
  currency: string,
): AccountProblem | undefined {
  if (!account) return { problem: 'unknown-account', detail: `account ${accountId} does not exist` };
  if (account.status !== 'OPEN') return { problem: 'account-closed', detail: `account ${accountId} is closed` };
  if (account.currency !== currency) {
    return { problem: 'currency-mismatch', detail: `account ${accountId} holds ${account.currency}, not ${currency}` };
  }
  return undefined;
}
