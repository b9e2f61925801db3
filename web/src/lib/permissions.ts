import { PERMISSIONS, type Action } from '@api/permissions';
import { type Role } from '@domain/roles';

import { PENDING_PERMISSIONS, type PendingAction } from './pending-views';

export type ConsoleAction = Action | PendingAction;

/** The server's permission matrix; the console only hides what the server would refuse anyway. */
const MATRIX: Record<ConsoleAction, readonly Role[]> = { ...PERMISSIONS, ...PENDING_PERMISSIONS };

/** Whether the server lets `role` do `action`. */
export function can(role: Role | undefined, action: ConsoleAction): boolean {
  return role !== undefined && MATRIX[action].includes(role);
}
