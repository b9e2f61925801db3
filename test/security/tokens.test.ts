/** @beside-services an API without a worker: every token it tries is refused before anything starts */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair, type JWK, type KeyLike, SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import { Registry } from 'prom-client';

import { startApi } from '../../src/api/server';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config';
import { ServiceProcess } from '../../harness/worker-process';
import { ServiceHarness } from '../support/service-harness';

const ISSUER = 'transfer-saga';
const AUDIENCE = 'transfer-saga-api';
const now = () => Math.floor(Date.now() / 1000);

/** Claims that pass, for a USER; each attack below changes one thing. */
const validClaims = (sub: string) => ({ sub, role: 'USER', iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 600 });

/** Signed as given: jsonwebtoken keeps a given `iat`, and adds one only when the claims have none. */
const hs256 = (claims: Record<string, unknown>, secret = DEVELOPMENT_JWT_SECRET) =>
  jwt.sign(claims, secret, { algorithm: 'HS256', noTimestamp: claims.iat === undefined });

describe('bearer tokens', () => {
  let service: ServiceHarness;
  let sender: string;
  let receiver: string;
  beforeAll(async () => {
    service = await ServiceHarness.start({}, { worker: false });
    sender = await service.openAccount('token-owner', 1_000);
    receiver = await service.openAccount('token-receiver', 0);
  });
  afterAll(() => service?.stop());

  const submitWith = (token: string) =>
    service.request('POST', '/v1/transfers', {
      token,
      headers: { 'Idempotency-Key': crypto.randomUUID() },
      body: { fromAccountId: sender, toAccountId: receiver, amount: 100, currency: 'EUR' },
    });

  // Each token is made when its case runs, not when the file loads: the file may wait for the stack
  // long enough to turn "60 s in the future" into the present.
  const without = (claim: 'exp' | 'iat') => {
    const claims: Record<string, unknown> = validClaims('token-owner');
    delete claims[claim];
    return claims;
  };
  it.each([
    ['without exp', () => hs256(without('exp'))],
    ['without iat', () => hs256(without('iat'))],
    ['expired', () => hs256({ ...validClaims('token-owner'), iat: now() - 700, exp: now() - 100 })],
    ['issued 60 s in the future', () => hs256({ ...validClaims('token-owner'), iat: now() + 60, exp: now() + 600 })],
    ['not valid before a minute from now', () => hs256({ ...validClaims('token-owner'), nbf: now() + 60 })],
    ['from another issuer', () => hs256({ ...validClaims('token-owner'), iss: 'someone-else' })],
    ['without an issuer', () => hs256({ ...validClaims('token-owner'), iss: undefined })],
    ['for another audience', () => hs256({ ...validClaims('token-owner'), aud: 'another-api' })],
    ['without an audience', () => hs256({ ...validClaims('token-owner'), aud: undefined })],
    ['living 2 h, above the 1 h a USER may', () => hs256({ ...validClaims('token-owner'), exp: now() + 7200 })],
    ['with an empty sub', () => hs256({ ...validClaims('token-owner'), sub: '' })],
    ['with a role that does not exist', () => hs256({ ...validClaims('token-owner'), role: 'ROOT' })],
    ['signed with another secret', () => hs256(validClaims('token-owner'), 'not-the-service-secret-but-32-bytes!')],
    ['unsigned (alg none)', () => jwt.sign(validClaims('token-owner'), '', { algorithm: 'none' })],
  ])('refuses a token %s with 401 and one generic detail, and reserves nothing', async (_case, tokenNow) => {
    const answer = await submitWith(tokenNow());
    expect(answer.status).toBe(401);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(String(answer.body.type)).toMatch(/invalid-token$/);
    expect(answer.body.detail).toBe('the token is not valid');
    expect(await service.balances.read(sender)).toMatchObject({ available: 1_000, held: 0 });
  });

  it('refuses a staff token living 9 h, above the 8 h staff may, and takes one of 8 h', async () => {
    const issuedAt = now();
    const staff = { ...validClaims('ops-1'), role: 'READ_ONLY', iat: issuedAt };
    const tooLong = await service.request('GET', `/v1/accounts/${sender}`, {
      token: hs256({ ...staff, exp: issuedAt + 9 * 3600 }),
    });
    expect(tooLong.status).toBe(401);
    const eightHours = await service.request('GET', `/v1/accounts/${sender}`, {
      token: hs256({ ...staff, exp: issuedAt + 8 * 3600 }),
    });
    expect(eightHours.status).toBe(200);
  });

  it('takes the unchanged claims, so each refusal above is for the one thing its case changed', async () => {
    const answer = await service.request('GET', `/v1/accounts/${sender}`, { token: hs256(validClaims('token-owner')) });
    expect(answer.status).toBe(200);
  });

  it('after all those attempts, nothing was written for the account', async () => {
    // The valid token of the same owner still works, and the account has no transfer from the refused ones.
    const listing = await service.request<{ items: unknown[] }>('GET', `/v1/transfers?accountId=${sender}`, {
      token: service.token('auditor', 'READ_ONLY'),
    });
    expect(listing.body.items).toEqual([]);
    expect(
      (await service.request('GET', `/v1/accounts/${sender}`, { token: service.token('token-owner', 'USER') })).status,
    ).toBe(200);
  });

  it('takes what `npm run token` issues', async () => {
    const { issueToken } = await import('../../src/api/tokens');
    const token = issueToken(service.config.auth, { sub: 'token-owner', role: 'USER' });
    expect(jwt.decode(token)).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: 'token-owner', role: 'USER' });
    expect((await service.request('GET', `/v1/accounts/${sender}`, { token })).status).toBe(200);
  });

  describe('from an identity provider (AUTH_JWKS_URL)', () => {
    /** A local JWKS endpoint, as an identity provider publishes its keys; `keys` may change between requests. */
    let jwks: Server;
    let jwksUrl: string;
    let published: JWK[] = [];
    let api: Awaited<ReturnType<typeof startApi>>;
    const keys = new Map<string, { privateKey: KeyLike; alg: string }>();

    const addKey = async (kid: string, alg: 'RS256' | 'ES256', publish = true) => {
      const { publicKey, privateKey } = await generateKeyPair(alg);
      keys.set(kid, { privateKey, alg });
      if (publish) published = [...published, { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }];
    };
    const signed = (kid: string, claims = validClaims('token-owner')) => {
      const key = keys.get(kid);
      if (!key) throw new Error(`no key ${kid}`);
      return new SignJWT({ role: claims.role })
        .setProtectedHeader({ alg: key.alg, kid })
        .setSubject(claims.sub)
        .setIssuer(claims.iss)
        .setAudience(claims.aud)
        .setIssuedAt(claims.iat)
        .setExpirationTime(claims.exp)
        .sign(key.privateKey);
    };
    const accountWith = async (token: string) =>
      (await fetch(`${api.url}/v1/accounts/${sender}`, { headers: { authorization: `Bearer ${token}` } })).status;

    beforeAll(async () => {
      await addKey('rsa-1', 'RS256');
      await addKey('ec-1', 'ES256');
      jwks = createServer((_request, response) => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys: published }));
      });
      await new Promise<void>((listening) => jwks.listen(0, '127.0.0.1', listening));
      jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
      const config = {
        ...service.config,
        auth: { ...service.config.auth, verification: { kind: 'jwks' as const, url: jwksUrl } },
      };
      api = await startApi({ ...service.dependencies, config, metrics: new Registry() }, 0);
    });
    afterAll(async () => {
      await api?.stop();
      await new Promise((closed) => jwks?.close(closed));
    });

    it('takes RS256 and ES256 tokens signed with a published key', async () => {
      expect(await accountWith(await signed('rsa-1'))).toBe(200);
      expect(await accountWith(await signed('ec-1'))).toBe(200);
    });

    it('takes a key rotated in under a new kid, without a restart', async () => {
      await addKey('rsa-2', 'RS256');
      // The JWKS is fetched again for an unknown kid at most once a second.
      await new Promise((wake) => setTimeout(wake, 1_100));
      expect(await accountWith(await signed('rsa-2'))).toBe(200);
    });

    it('refuses a kid the JWKS does not publish, and the shared-secret tokens, with 401', async () => {
      await addKey('forged', 'RS256', false);
      expect(await accountWith(await signed('forged'))).toBe(401);
      expect(await accountWith(service.token('token-owner', 'USER'))).toBe(401);
      expect(await accountWith(await signed('rsa-1', { ...validClaims('token-owner'), aud: 'another-api' }))).toBe(401);
    });

    it("says so to the console, and refuses password sign-in: staff bring the identity provider's tokens", async () => {
      const mode = await fetch(`${api.url}/v1/auth/config`);
      expect(await mode.json()).toEqual({ mode: 'identity-provider' });
      const login = await fetch(`${api.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'anyone', password: 'whatever it is' }),
      });
      expect(login.status).toBe(409);
      expect(((await login.json()) as { type: string }).type).toMatch(/identity-provider-configured$/);
      const me = await fetch(`${api.url}/v1/auth/me`, {
        headers: { authorization: `Bearer ${await signed('rsa-1')}` },
      });
      expect(await me.json()).toMatchObject({ sub: 'token-owner', role: 'USER' });
    });

    it('answers 503, not 401, when the identity provider cannot be reached', async () => {
      const config = {
        ...service.config,
        auth: { ...service.config.auth, verification: { kind: 'jwks' as const, url: 'http://127.0.0.1:1/jwks.json' } },
      };
      const cut = await startApi({ ...service.dependencies, config, metrics: new Registry() }, 0);
      try {
        const response = await fetch(`${cut.url}/v1/accounts/${sender}`, {
          headers: { authorization: `Bearer ${await signed('rsa-1')}` },
        });
        expect(response.status).toBe(503);
        expect(((await response.json()) as { type: string }).type).toMatch(/identity-provider-unavailable$/);
      } finally {
        await cut.stop();
      }
    });
  });
});

describe('a service process without a real secret', () => {
  it('exits 1 at start-up with one line naming AUTH_JWT_SECRET, unless NODE_ENV says development or test', async () => {
    const { NODE_ENV: _mode, AUTH_JWT_SECRET: _secret, ...production } = process.env;
    const failure = await ServiceProcess.start(['api'], production, { timeoutMs: 30_000 }).then(
      async (started) => {
        await started.stop();
        return undefined;
      },
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/^api exited \(1\)/);
    const output = (failure as { output?: string } | undefined)?.output?.trim() ?? '';
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toMatch(/^invalid configuration — AUTH_JWT_SECRET: /);
  });
});
