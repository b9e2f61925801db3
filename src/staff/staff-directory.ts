import type { Pool } from 'pg';

import type { StaffRole } from '../domain/roles';

/** After this many failed sign-ins in a row an account is locked … */
export const LOCKOUT_FAILURES = 5;
/** … for this long. */
export const LOCKOUT_MINUTES = 15;

export interface StaffMember {
  username: string;
  email: string;
  role: StaffRole;
  disabled: boolean;
  createdBy: string;
  createdAt: string;
  lockedUntil: string | null;
}

export interface StaffCredentials extends StaffMember {
  passwordHash: string;
}

/** A failed sign-in, counted: whether it locked the account, and until when. */
export interface FailureCount {
  failedLogins: number;
  lockedUntil: string | null;
}

const MEMBER_COLUMNS = `username, email, role, disabled, created_by AS "createdBy", created_at AS "createdAt",
  CASE WHEN locked_until > now() THEN locked_until END AS "lockedUntil"`;

type Row = Omit<StaffMember, 'createdAt' | 'lockedUntil'> & { createdAt: Date; lockedUntil: Date | null };

const memberOf = ({ createdAt, lockedUntil, ...row }: Row): StaffMember => ({
  ...row,
  createdAt: createdAt.toISOString(),
  lockedUntil: lockedUntil?.toISOString() ?? null,
});

/** admin_users: the console's staff accounts, their password hashes and their lockout state. */
export class StaffDirectory {
  constructor(private readonly pool: Pool) {}

  async list(): Promise<StaffMember[]> {
    const { rows } = await this.pool.query<Row>(`SELECT ${MEMBER_COLUMNS} FROM admin_users ORDER BY username`);
    return rows.map(memberOf);
  }

  async get(username: string): Promise<StaffMember | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT ${MEMBER_COLUMNS} FROM admin_users WHERE username = $1`, [
      username,
    ]);
    return rows[0] && memberOf(rows[0]);
  }

  async credentials(username: string): Promise<StaffCredentials | undefined> {
    const { rows } = await this.pool.query<Row & { passwordHash: string }>(
      `SELECT ${MEMBER_COLUMNS}, password_hash AS "passwordHash" FROM admin_users WHERE username = $1`,
      [username],
    );
    return rows[0] && { ...memberOf(rows[0]), passwordHash: rows[0].passwordHash };
  }

  /** Adds an account; false when the username or the email is taken. */
  async add(member: { username: string; email: string; role: StaffRole; passwordHash: string; createdBy: string }) {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO admin_users (username, email, role, password_hash, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING ${MEMBER_COLUMNS}`,
      [member.username, member.email, member.role, member.passwordHash, member.createdBy],
    );
    return rows[0] && memberOf(rows[0]);
  }

  async change(
    username: string,
    change: { role?: StaffRole; disabled?: boolean; unlock?: boolean },
  ): Promise<StaffMember | undefined> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE admin_users SET role = coalesce($2, role), disabled = coalesce($3, disabled),
         failed_logins = CASE WHEN $4 THEN 0 ELSE failed_logins END,
         locked_until = CASE WHEN $4 THEN NULL ELSE locked_until END,
         updated_at = now()
       WHERE username = $1 RETURNING ${MEMBER_COLUMNS}`,
      [username, change.role ?? null, change.disabled ?? null, change.unlock === true],
    );
    return rows[0] && memberOf(rows[0]);
  }

  /**
   * Counts a failed sign-in in one statement, so concurrent guesses cannot slip past the limit: the
   * count restarts after a lock has run out, and reaching the limit locks the account.
   */
  async recordFailure(username: string): Promise<FailureCount | undefined> {
    const { rows } = await this.pool.query<{ failedLogins: number; lockedUntil: Date | null }>(
      `UPDATE admin_users SET
         failed_logins = CASE WHEN locked_until <= now() THEN 1 ELSE failed_logins + 1 END,
         locked_until = CASE
           WHEN (CASE WHEN locked_until <= now() THEN 1 ELSE failed_logins + 1 END) >= $2
             THEN now() + make_interval(mins => $3)
           WHEN locked_until <= now() THEN NULL
           ELSE locked_until END
       WHERE username = $1 RETURNING failed_logins AS "failedLogins", locked_until AS "lockedUntil"`,
      [username, LOCKOUT_FAILURES, LOCKOUT_MINUTES],
    );
    const row = rows[0];
    return row && { failedLogins: row.failedLogins, lockedUntil: row.lockedUntil?.toISOString() ?? null };
  }

  async recordSuccess(username: string): Promise<void> {
    await this.pool.query(
      'UPDATE admin_users SET failed_logins = 0, locked_until = NULL, last_login_at = now() WHERE username = $1',
      [username],
    );
  }
}
