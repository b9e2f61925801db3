/**
 * `npm run audit -- verify` walks the audit trail's hash chain from its first row and reports the first
 * row that was edited, or that follows a deleted one; exit 1 when the chain is broken.
 */
import { Pool } from 'pg';

import { AuditLog } from '../src/audit/audit-log';
import { loadConfig } from '../src/config';
import { postgresConnection } from '../src/transport';

async function main(command: string | undefined): Promise<number> {
  if (command !== 'verify') {
    console.error('usage: npm run audit -- verify');
    return 2;
  }
  const postgres = new Pool({ ...postgresConnection(loadConfig()), max: 1 });
  try {
    const { rows, brokenAt } = await new AuditLog(postgres).verify();
    if (brokenAt) {
      console.log(`audit trail broken at row ${brokenAt.seq}: ${brokenAt.why} (${rows} rows before it hold)`);
      return 1;
    }
    console.log(`audit trail intact: ${rows} rows`);
    return 0;
  } finally {
    await postgres.end();
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
