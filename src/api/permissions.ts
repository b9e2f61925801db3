import type { Role } from '../domain/roles';

const STAFF: Role[] = ['SUPER_ADMIN', 'RULE_ADMIN', 'AUDITOR', 'OPS_AGENT', 'RISK_ANALYST', 'READ_ONLY'];

/**
 * The permission matrix, in one place (the README shows the same table). A USER is further limited
 * by ownership inside the use cases: it sees and moves only its own accounts' money.
 */
export type Action = 'open accounts' | 'read accounts' | 'submit transfers' | 'read transfers' | 'list transfers';

export const PERMISSIONS: Record<Action, readonly Role[]> = {
  'open accounts': ['SUPER_ADMIN'],
  'read accounts': ['USER', ...STAFF],
  'submit transfers': ['USER'],
  'read transfers': ['USER', ...STAFF],
  'list transfers': STAFF,
};
