/**
 * `npm run token -- --sub alice --role USER [--ttl 1h]` prints a bearer token signed with
 * AUTH_JWT_SECRET (the development secret unless set), for curl and the WebSocket stream.
 */
import { parseArgs } from 'node:util';

import jwt from 'jsonwebtoken';

import { loadConfig } from '../src/config';
import { ROLES, type Role } from '../src/domain/roles';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    role: { type: 'string', default: 'USER' },
    ttl: { type: 'string', default: '12h' },
  },
});
if (!values.sub || !ROLES.includes(values.role as Role)) {
  console.error(`usage: npm run token -- --sub <subject> --role <${ROLES.join('|')}> [--ttl 12h]`);
  process.exit(2);
}
const expiresIn = values.ttl as jwt.SignOptions['expiresIn'];
console.log(
  jwt.sign({ sub: values.sub, role: values.role }, loadConfig().auth.jwtSecret, { algorithm: 'HS256', expiresIn }),
);
