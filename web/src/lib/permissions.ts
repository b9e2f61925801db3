import { PERMISSIONS, type Action } from '@api/permissions';
import { type Role } from '@domain/roles';

export type ConsoleAction = Action;

/** The server's permission matrix; the console only hides what the server would refuse anyway. */
const MATRIX: Record<ConsoleAction, readonly Role[]> = PERMISSIONS;

/** Whether the server lets `role` do `action`. */
export function can(role: Role | undefined, action: ConsoleAction): boolean {
  return role !== undefined && MATRIX[action].includes(role);
}
