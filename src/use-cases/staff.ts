import { issueToken } from '../api/tokens';
import type { Principal, StaffRole } from '../domain/roles';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from '../staff/passwords';
import type { StaffMember } from '../staff/staff-directory';
import type { UseCaseContext } from './context';
import { RequestRefused } from './errors';

export interface Session {
  token: string;
  expiresAt: string;
  username: string;
  role: StaffRole;
}

const wrongCredentials = () =>
  new RequestRefused('unauthorized', 'invalid-credentials', 'wrong username or password', 'body');

const lockedUntil = (until: string) =>
  new RequestRefused(
    'locked',
    'account-locked',
    `too many failed sign-ins: the account is locked until ${until}`,
    'body.username',
  );

/**
 * A console sign-in: the password checked against its argon2id hash, and a short-lived token of the
 * kind every route accepts. Unknown, disabled and wrong all answer the same 401; the fifth failure in
 * a row locks the account for 15 minutes, and a locked account is refused without checking the password.
 */
export async function signIn(
  context: UseCaseContext,
  credentials: { username: string; password: string },
): Promise<Session> {
  const { auth } = context.config;
  if (auth.verification.kind !== 'hs256') {
    throw new RequestRefused(
      'conflict',
      'identity-provider-configured',
      'staff sign in through the identity provider (AUTH_JWKS_URL is set); use its token',
    );
  }
  const account = await context.staff.credentials(credentials.username);
  if (!account) {
    await verifyAgainstDecoy(credentials.password);
    throw wrongCredentials();
  }
  if (account.lockedUntil !== null) throw lockedUntil(account.lockedUntil);
  const matches = await verifyPassword(account.passwordHash, credentials.password);
  if (!matches || account.disabled) {
    const count = matches ? undefined : await context.staff.recordFailure(account.username);
    context.logger.info(
      { username: account.username, failures: count?.failedLogins, disabled: account.disabled },
      'staff sign-in refused',
    );
    if (count?.lockedUntil) {
      context.logger.warn({ username: account.username, lockedUntil: count.lockedUntil }, 'staff account locked');
      throw lockedUntil(count.lockedUntil);
    }
    throw wrongCredentials();
  }
  await context.staff.recordSuccess(account.username);
  const lifetime = auth.staffSessionSeconds;
  const principal = { sub: account.username, role: account.role };
  return {
    token: issueToken(auth, principal, lifetime, { passwordSession: true }),
    expiresAt: new Date(Date.now() + lifetime * 1000).toISOString(),
    username: account.username,
    role: account.role,
  };
}

/** Whether a console session's account is still enabled with the role its token names (see SessionCheck). */
export async function staffSessionStands(
  context: Pick<UseCaseContext, 'staff'>,
  principal: Principal,
): Promise<boolean> {
  const account = await context.staff.get(principal.sub);
  return account !== undefined && !account.disabled && account.role === principal.role;
}

export async function listStaff(context: UseCaseContext): Promise<{ items: StaffMember[] }> {
  return { items: await context.staff.list() };
}

export async function addStaff(
  context: Pick<UseCaseContext, 'staff'>,
  createdBy: string,
  member: { username: string; email: string; role: StaffRole; password: string },
): Promise<StaffMember> {
  const { password, ...rest } = member;
  const added = await context.staff.add({ ...rest, passwordHash: await hashPassword(password), createdBy });
  if (!added) {
    throw new RequestRefused(
      'conflict',
      'staff-exists',
      `a staff account named ${member.username} or with email ${member.email} exists`,
      'body.username',
    );
  }
  return added;
}

/** A SUPER_ADMIN changes another's role, disables or unlocks them; never their own, so one always remains. */
export async function changeStaff(
  context: UseCaseContext,
  principal: Principal,
  username: string,
  change: { role?: StaffRole; disabled?: boolean; unlock?: true },
): Promise<StaffMember> {
  if (username === principal.sub) {
    throw new RequestRefused('conflict', 'own-account', 'another SUPER_ADMIN must change your own account');
  }
  const changed = await context.staff.change(username, change);
  if (!changed) throw new RequestRefused('not-found', 'staff-not-found', `no staff account named ${username}`);
  return changed;
}
