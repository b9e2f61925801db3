import type { Dependencies } from '../dependencies';

/** What the API's use cases work with: a narrow view of the composition root. */
export type UseCaseContext = Pick<
  Dependencies,
  | 'config'
  | 'logger'
  | 'postgres'
  | 'ledger'
  | 'reads'
  | 'balances'
  | 'idempotencyKeys'
  | 'temporal'
  | 'risk'
  | 'serviceMetrics'
  | 'staff'
  | 'claims'
  | 'operations'
  | 'kafka'
  | 'kafkaAdmin'
  | 'audit'
  | 'events'
  | 'remittances'
  | 'remittanceReads'
  | 'businessProfiles'
  | 'rail'
>;
