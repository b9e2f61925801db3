import { startApi } from './api/server';
import { startConsumers } from './consumers';
import type { Dependencies } from './dependencies';
import { startRelay } from './relay';
import { startWorker } from './worker';

/** The processes this service can run as; each is stateless, so run as many of each as load needs. */
export const ROLES = ['api', 'worker', 'relay', 'consumers'] as const;
export type Role = (typeof ROLES)[number];

export interface RunningRole {
  /** Stops taking new work, finishes what is in flight, and returns. */
  stop(): Promise<void>;
}

export function startRole(role: Role, dependencies: Dependencies): Promise<RunningRole> {
  switch (role) {
    case 'api':
      return startApi(dependencies);
    case 'worker':
      return startWorker(dependencies);
    case 'relay':
      return startRelay(dependencies);
    case 'consumers':
      return startConsumers(dependencies);
  }
}
