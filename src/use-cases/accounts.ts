import { randomUUID } from 'node:crypto';

import { isStaff, type Principal } from '../domain/roles';
import type { UseCaseContext } from './context';
import { RequestRefused } from './errors';

export interface AccountView {
  accountId: string;
  ownerId: string;
  currency: string;
  status: 'OPEN' | 'CLOSED';
  /** Settled balance (PostgreSQL). */
  balance: number;
  /** What can be spent now: balance minus open holds (Redis). */
  available: number;
  /** Held by transfers still in flight. */
  held: number;
}

/** Opens an account funded with its initial balance; the id is generated when not given. */
export async function openAccount(
  context: UseCaseContext,
  openedBy: Principal,
  request: { accountId?: string; ownerId: string; currency: string; initialBalance: number; phone?: string },
): Promise<AccountView> {
  const accountId = request.accountId ?? `acc_${randomUUID()}`;
  const opened = await context.ledger.openAccount({ ...request, accountId, openedBy: openedBy.sub });
  if (!opened)
    throw new RequestRefused('conflict', 'account-exists', `account ${accountId} already exists`, 'accountId');
  return getAccount(context, { sub: request.ownerId, role: 'USER' }, accountId);
}

/**
 * An account with its live balances. A USER sees only its own: another's is answered exactly as an id
 * nobody has, so a USER cannot learn which ids are taken.
 */
export async function getAccount(
  context: UseCaseContext,
  principal: Principal,
  accountId: string,
): Promise<AccountView> {
  const account = (await context.reads.getAccounts([accountId])).get(accountId);
  if (!account || (!isStaff(principal) && account.ownerId !== principal.sub)) throw accountNotFound(accountId);
  const { available, held } = await context.balances.read(accountId);
  return { ...account, available, held };
}

/** The refusal for an account that does not exist, or that a USER may not see; `field` names where the id came. */
export const accountNotFound = (accountId: string, field?: string): RequestRefused =>
  new RequestRefused('not-found', 'account-not-found', `account ${accountId} does not exist`, field);
