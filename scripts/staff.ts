/**
 * `npm run staff -- add <username> <role> [--email <address>]` creates a console account, e.g. the first
 * SUPER_ADMIN, who then manages the others in the console. The password is STAFF_PASSWORD when set (at
 * least 12 characters), or else a random one printed once; only its argon2id hash is stored.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import { Pool } from 'pg';
import pino from 'pino';

import { newStaffBody } from '../src/api/schemas';
import { loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { STAFF_ROLES } from '../src/domain/roles';
import { StaffDirectory } from '../src/staff/staff-directory';
import { postgresConnection } from '../src/transport';
import { addStaff } from '../src/use-cases/staff';
import { RequestRefused } from '../src/use-cases/errors';

const USAGE = `usage: npm run staff -- add <username> <${STAFF_ROLES.join('|')}> [--email <address>]`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { email: { type: 'string' } } });
  const [command, username, role, ...extra] = positionals;
  if (command !== 'add' || username === undefined || role === undefined || extra.length > 0) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const generated = process.env.STAFF_PASSWORD === undefined;
  const request = newStaffBody.safeParse({
    username,
    role,
    // .invalid is reserved (RFC 2606): a placeholder no mail can reach, until the account's owner gives one.
    email: values.email ?? `${username}@staff.invalid`,
    password: process.env.STAFF_PASSWORD ?? randomBytes(18).toString('base64url'),
  });
  if (!request.success) {
    for (const issue of request.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`);
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }

  const config = loadConfig();
  const logger = pino({ name: 'staff', level: config.logLevel }, pino.destination(2));
  await migrate(config, logger);
  const pool = new Pool(postgresConnection(config));
  try {
    const member = await addStaff(
      { staff: new StaffDirectory(pool) },
      `${process.env.USER ?? 'operator'}@cli`,
      request.data,
    );
    console.log(`added ${member.username} (${member.role}, ${member.email})`);
    if (generated) console.log(`password (shown once): ${request.data.password}`);
  } catch (error) {
    if (!(error instanceof RequestRefused)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
