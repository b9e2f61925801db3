import { type Role, STAFF_ROLES as STAFF } from '../domain/roles';

/**
 * The permission matrix, in one place (the README shows the same table). Every staff role reads;
 * only the roles named write. A USER is further limited by ownership inside the use cases: it sees
 * and moves only its own accounts' money. Moving money is the owner's alone (DESIGN.md §4), so not
 * even SUPER_ADMIN submits transfers.
 */
export type Action =
  | 'open accounts'
  | 'read accounts'
  | 'submit transfers'
  | 'read transfers'
  | 'list transfers'
  | 'read risk'
  | 'review transfers'
  | 'confirm transfers'
  | 'cancel transfers'
  | 'list reviews'
  | 'read rules'
  | 'write rules'
  | 'stream events'
  | 'read audit'
  | 'read workflow payloads'
  | 'read transfer activity'
  | 'test rules'
  | 'read repairs'
  | 'replay dead letters'
  | 'read stats'
  | 'manage staff'
  | 'register businesses'
  | 'submit remittances'
  | 'read remittances'
  | 'list remittances'
  | 'retry remittance failures';

export const PERMISSIONS: Record<Action, readonly Role[]> = {
  'open accounts': ['SUPER_ADMIN'],
  'read accounts': ['USER', ...STAFF],
  'submit transfers': ['USER'],
  'read transfers': ['USER', ...STAFF],
  'list transfers': STAFF,
  'read risk': STAFF,
  'review transfers': ['OPS_AGENT', 'SUPER_ADMIN'],
  // A step-up asks the customer: only the sending account's owner confirms (checked in the use case).
  'confirm transfers': ['USER'],
  // Staff may stop a transfer waiting for its sender, never confirm it for them.
  'cancel transfers': ['OPS_AGENT', 'SUPER_ADMIN'],
  'list reviews': STAFF,
  'read rules': STAFF,
  'write rules': ['RULE_ADMIN', 'SUPER_ADMIN'],
  'stream events': ['USER', ...STAFF],
  'read audit': ['AUDITOR', 'SUPER_ADMIN'],
  'read workflow payloads': STAFF,
  // Events and corrections are operations' view of a transfer, not its owner's.
  'read transfer activity': STAFF,
  // A dry run writes nothing, so the analysts who propose rules may run one too.
  'test rules': ['RULE_ADMIN', 'SUPER_ADMIN', 'RISK_ANALYST'],
  'read repairs': STAFF,
  'replay dead letters': ['OPS_AGENT', 'SUPER_ADMIN'],
  'read stats': STAFF,
  'manage staff': ['SUPER_ADMIN'],
  'register businesses': ['SUPER_ADMIN'],
  // The business's owner remits; operations may too, on a business's written instruction.
  'submit remittances': ['USER', 'OPS_AGENT', 'SUPER_ADMIN'],
  'read remittances': ['USER', ...STAFF],
  'list remittances': STAFF,
  'retry remittance failures': ['OPS_AGENT', 'SUPER_ADMIN'],
};
