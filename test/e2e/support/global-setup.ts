import { Pool } from 'pg';

import { loadConfig } from '../../../src/config';
import { migrate } from '../../../src/db/migrate';
import { createLogger } from '../../../src/logger';
import { hashPassword } from '../../../src/staff/passwords';
import { postgresConnection } from '../../../src/transport';
import { STAFF, STAFF_PASSWORD } from './service';

/**
 * Gives each staff account of the run the known password, enabled and unlocked, whatever an earlier
 * run left (the lockout test locks one). Migrates first: the service may still be starting.
 */
export default async function globalSetup(): Promise<void> {
  const config = loadConfig();
  await migrate(config, createLogger('warn'));
  const pool = new Pool(postgresConnection(config));
  try {
    const passwordHash = await hashPassword(STAFF_PASSWORD);
    for (const { username, role } of Object.values(STAFF)) {
      await pool.query(
        `INSERT INTO admin_users (username, email, role, password_hash, created_by)
         VALUES ($1, $1 || '@e2e.test', $2, $3, 'e2e setup')
         ON CONFLICT (username) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash,
           disabled = false, failed_logins = 0, locked_until = NULL`,
        [username, role, passwordHash],
      );
    }
  } finally {
    await pool.end();
  }
}
