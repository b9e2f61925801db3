import type { Pool } from 'pg';

/** What a repair changed and why (the correction_log table): the audit trail of every automatic fix. */
export class CorrectionLog {
  constructor(private readonly pool: Pool) {}

  async add(entry: { transferId?: string; accountId?: string; kind: string; detail: object }): Promise<void> {
    await this.pool.query(
      'INSERT INTO correction_log (transfer_id, account_id, kind, detail) VALUES ($1, $2, $3, $4)',
      [entry.transferId ?? null, entry.accountId ?? null, entry.kind, JSON.stringify(entry.detail)],
    );
  }
}
