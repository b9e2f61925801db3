/** Temporal names of DESIGN.md §6, shared by the API, the worker and the consumers. */
export const TASK_QUEUE = 'transfers';

export const transferWorkflowId = (transferId: string): string => `transfer-${transferId}`;
export const syncWorkflowId = (transferId: string): string => `sync-${transferId}`;
export const STUCK_SWEEP_SCHEDULE_ID = 'stuck-transfer-sweep';
export const RECONCILE_SCHEDULE_ID = 'reconcile';
export const PURGE_SCHEDULE_ID = 'purge-expired';
export const REMITTANCE_RETRY_SCHEDULE_ID = 'remittance-retry-batch';

/**
 * The Temporal Web UI's page for a namespace's workflows, or for one transfer's saga. Names are encoded,
 * so a namespace or id with `/` or `?` still links to the right page.
 */
export function temporalUiLink(temporal: { uiUrl: string; namespace: string }, transferId?: string): string {
  return transferId === undefined ? workflowUiLink(temporal) : workflowUiLink(temporal, transferWorkflowId(transferId));
}

/** The Web UI's page for any workflow by its id, or the namespace's list. */
export function workflowUiLink(temporal: { uiUrl: string; namespace: string }, workflowId?: string): string {
  const workflows = `${temporal.uiUrl}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows`;
  return workflowId === undefined ? workflows : `${workflows}/${encodeURIComponent(workflowId)}`;
}
