/** @isolated no service */
import { createHmac } from 'node:crypto';

import { signCallback, verifyCallbackSignature } from '../../src/rails/callback-signature';
import { CallbackRefusedError } from '../../src/rails/payment-rail';

const SECRET = 'callback-secret';
const BODY = '{"reference":"rem-1:collect","status":"SUCCEEDED"}';
const SENT_AT = 1_767_225_600; // 2026-01-01T00:00:00Z
const NOW = new Date(SENT_AT * 1000);

function refusal(verify: () => void): CallbackRefusedError {
  try {
    verify();
  } catch (error) {
    if (error instanceof CallbackRefusedError) return error;
    throw error;
  }
  throw new Error('the callback was accepted');
}

describe('callback signatures', () => {
  const signature = signCallback(SECRET, SENT_AT, BODY);

  it('signs "<timestamp>.<body>" with HMAC-SHA256, as v1=<hex>', () => {
    const hex = createHmac('sha256', SECRET).update(`${SENT_AT}.${BODY}`).digest('hex');
    expect(signature).toBe(`v1=${hex}`);
  });

  it('accepts the signature of the body it was sent with', () => {
    expect(() => verifyCallbackSignature(SECRET, { timestamp: String(SENT_AT), signature }, BODY, NOW)).not.toThrow();
  });

  it('refuses a tampered body as a bad signature', () => {
    const tampered = BODY.replace('SUCCEEDED', 'FAILED');
    expect(
      refusal(() => verifyCallbackSignature(SECRET, { timestamp: String(SENT_AT), signature }, tampered, NOW)),
    ).toMatchObject({ problem: 'signature' });
  });

  it('refuses a signature made with another secret', () => {
    const forged = signCallback('another-secret', SENT_AT, BODY);
    expect(
      refusal(() => verifyCallbackSignature(SECRET, { timestamp: String(SENT_AT), signature: forged }, BODY, NOW)),
    ).toMatchObject({ problem: 'signature' });
  });

  it('refuses a signature moved to another timestamp', () => {
    const moved = String(SENT_AT + 1);
    expect(refusal(() => verifyCallbackSignature(SECRET, { timestamp: moved, signature }, BODY, NOW))).toMatchObject({
      problem: 'signature',
    });
  });

  it.each([
    ['more than 5 minutes old', 301],
    ['more than 5 minutes ahead', -301],
  ])('refuses a genuine callback whose timestamp is %s as stale', (_, secondsLater) => {
    const later = new Date((SENT_AT + secondsLater) * 1000);
    expect(
      refusal(() => verifyCallbackSignature(SECRET, { timestamp: String(SENT_AT), signature }, BODY, later)),
    ).toMatchObject({ problem: 'stale' });
  });

  it('accepts a callback exactly at the edge of the tolerance, either way', () => {
    for (const secondsLater of [300, -300]) {
      const edge = new Date((SENT_AT + secondsLater) * 1000);
      expect(() =>
        verifyCallbackSignature(SECRET, { timestamp: String(SENT_AT), signature }, BODY, edge),
      ).not.toThrow();
    }
  });

  it('honours a tolerance of its own', () => {
    const later = new Date((SENT_AT + 11) * 1000);
    expect(
      refusal(() => verifyCallbackSignature(SECRET, { timestamp: String(SENT_AT), signature }, BODY, later, 10)),
    ).toMatchObject({ problem: 'stale' });
  });

  it('refuses a callback without a signature header as a bad signature', () => {
    expect(refusal(() => verifyCallbackSignature(SECRET, { timestamp: String(SENT_AT) }, BODY, NOW))).toMatchObject({
      problem: 'signature',
    });
    expect(
      refusal(() => verifyCallbackSignature(SECRET, { timestamp: String(SENT_AT), signature: '' }, BODY, NOW)),
    ).toMatchObject({ problem: 'signature' });
  });

  it.each([
    ['a missing', undefined],
    ['a fractional', '1767225600.5'],
    ['a word for a', 'yesterday'],
    ['a negative', '-5'],
  ])('refuses %s timestamp as malformed', (_, timestamp) => {
    expect(refusal(() => verifyCallbackSignature(SECRET, { timestamp, signature }, BODY, NOW))).toMatchObject({
      problem: 'malformed',
    });
  });

  it.each([
    ['a signature of the wrong length', 'v1=abcd'],
    ['a signature that is not hex', `v1=${'z'.repeat(64)}`],
    ['another scheme', signature.replace('v1=', 'v0=')],
  ])('refuses %s as a bad signature', (_, value) => {
    expect(
      refusal(() => verifyCallbackSignature(SECRET, { timestamp: String(SENT_AT), signature: value }, BODY, NOW)),
    ).toMatchObject({ problem: 'signature' });
  });

  it('during a secret rotation, accepts a list of v1= values when any one of them matches', () => {
    const old = signCallback('the-old-secret', SENT_AT, BODY);
    for (const list of [`${old},${signature}`, `${signature}, ${old}`, `v0=ignored, ${signature}`]) {
      expect(() =>
        verifyCallbackSignature(SECRET, { timestamp: String(SENT_AT), signature: list }, BODY, NOW),
      ).not.toThrow();
    }
    const none = `${old},${signCallback('yet-another', SENT_AT, BODY)}`;
    expect(
      refusal(() => verifyCallbackSignature(SECRET, { timestamp: String(SENT_AT), signature: none }, BODY, NOW)),
    ).toMatchObject({ problem: 'signature' });
  });
});
