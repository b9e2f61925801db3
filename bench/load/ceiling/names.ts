/** What the ceiling worker prints once it polls; its parent waits for this line. */
export const CEILING_WORKER_READY = 'ceiling worker polling';
