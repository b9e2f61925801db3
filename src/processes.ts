import { startApi } from './api/server';
import { startConsumers } from './consumers';
import type { Dependencies } from './dependencies';
import type { RunningProcess } from './lifecycle';
import { startRelay } from './relay';
import { startWorker } from './worker';

/** The processes this service can run as; each is stateless, so run as many of each as load needs. */
export const PROCESSES = ['api', 'worker', 'relay', 'consumers'] as const;
export type ProcessName = (typeof PROCESSES)[number];

export function startProcess(name: ProcessName, dependencies: Dependencies): Promise<RunningProcess> {
  switch (name) {
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
