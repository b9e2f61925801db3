import type { Pool } from 'pg';

/** How long a claim holds a case: long enough to read it, short enough that a case left open returns. */
export const CLAIM_MINUTES = 15;

export interface ReviewClaim {
  transferId: string;
  by: string;
  at: string;
  expiresAt: string;
}

type Row = Omit<ReviewClaim, 'at' | 'expiresAt'> & { at: Date; expiresAt: Date };

const claimOf = (row: Row): ReviewClaim => ({
  transferId: row.transferId,
  by: row.by,
  at: row.at.toISOString(),
  expiresAt: row.expiresAt.toISOString(),
});

const COLUMNS = 'transfer_id AS "transferId", claimed_by AS by, claimed_at AS at, expires_at AS "expiresAt"';

/** review_claims: who works which case of the review queue. A claim past its expiry holds nothing. */
export class ReviewClaims {
  constructor(private readonly pool: Pool) {}

  /**
   * Claims the case for `by`, or renews their claim; answers the claim that holds it afterwards, so a
   * case someone else holds answers their claim. One statement: two agents racing get one holder.
   */
  async claim(transferId: string, by: string): Promise<ReviewClaim> {
    const { rows } = await this.pool.query<Row>(
      `WITH taken AS (
         INSERT INTO review_claims (transfer_id, claimed_by, expires_at)
         VALUES ($1, $2, now() + make_interval(mins => $3))
         ON CONFLICT (transfer_id) DO UPDATE
           SET claimed_by = excluded.claimed_by, claimed_at = now(), expires_at = excluded.expires_at
           WHERE review_claims.expires_at <= now() OR review_claims.claimed_by = excluded.claimed_by
         RETURNING ${COLUMNS})
       SELECT * FROM taken
       UNION ALL SELECT ${COLUMNS} FROM review_claims WHERE transfer_id = $1 AND NOT EXISTS (SELECT 1 FROM taken)`,
      [transferId, by, CLAIM_MINUTES],
    );
    if (rows[0]) return claimOf(rows[0]);
    // A rival's claim committed after this statement's snapshot: it holds, and a fresh read sees it.
    const holder = (await this.holding([transferId])).get(transferId);
    if (!holder) throw new Error(`the claim on ${transferId} changed hands twice during one claim; try again`);
    return holder;
  }

  /** Gives up `by`'s claim; false when they held none. */
  async release(transferId: string, by: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM review_claims WHERE transfer_id = $1 AND claimed_by = $2 AND expires_at > now()',
      [transferId, by],
    );
    return (rowCount ?? 0) > 0;
  }

  /** A decided case is no one's to hold any more. */
  async clear(transferId: string): Promise<void> {
    await this.pool.query('DELETE FROM review_claims WHERE transfer_id = $1', [transferId]);
  }

  /** The live claims on these cases. */
  async holding(transferIds: string[]): Promise<Map<string, ReviewClaim>> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM review_claims WHERE transfer_id = ANY($1::uuid[]) AND expires_at > now()`,
      [transferIds],
    );
    return new Map(rows.map((row) => [row.transferId, claimOf(row)]));
  }
}
