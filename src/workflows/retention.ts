import { proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities';
import type { Purged } from '../activities/retention';
import { scan } from './options';

const { purgeExpiredRecords } = proxyActivities<Activities>(scan);

/** Run hourly by the Schedule `purge-expired`: deletes expired idempotency keys and old processed-event records. */
export async function purgeExpired(): Promise<Purged> {
  return purgeExpiredRecords();
}
