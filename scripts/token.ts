/**
 * `npm run token -- --sub alice --role USER [--ttl 15m]` prints a bearer token the service accepts:
 * HS256 with AUTH_JWT_SECRET (the development secret under NODE_ENV=development, as npm scripts run),
 * with the configured issuer and audience, living as long as the role may unless `--ttl` asks for less.
 */
import { parseArgs } from 'node:util';

import { issueToken } from '../src/api/tokens';
import { lifetimeSeconds, loadConfig } from '../src/config';
import { ROLES, type Role } from '../src/domain/roles';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    role: { type: 'string', default: 'USER' },
    ttl: { type: 'string' },
  },
});
const ttl = values.ttl === undefined ? undefined : lifetimeSeconds.safeParse(values.ttl);
if (!values.sub || !ROLES.includes(values.role as Role) || ttl?.success === false) {
  console.error(`usage: npm run token -- --sub <subject> --role <${ROLES.join('|')}> [--ttl 15m]`);
  process.exit(2);
}
console.log(issueToken(loadConfig().auth, { sub: values.sub, role: values.role as Role }, ttl?.data));
