/** Temporal names of DESIGN.md §6, shared by the API, the worker and the consumers. */
export const TASK_QUEUE = 'transfers';

export const transferWorkflowId = (transferId: string): string => `transfer-${transferId}`;
export const syncWorkflowId = (transferId: string): string => `sync-${transferId}`;
export const STUCK_SWEEP_SCHEDULE_ID = 'stuck-transfer-sweep';
export const RECONCILE_SCHEDULE_ID = 'reconcile';
