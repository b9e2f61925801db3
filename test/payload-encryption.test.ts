/** @isolated no service */
import { randomBytes } from 'node:crypto';

import type { Payload } from '@temporalio/common';

import { KEY_ID_METADATA, PayloadDecryptionError, PayloadEncryption, type PayloadKey } from '../src/payload-encryption';

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) });
const json = (value: unknown): Payload => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(value)),
});
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('PayloadEncryption', () => {
  const old = key('2026-11');
  const current = key('2026-12');

  it('seals a payload, metadata included, and opens it again', async () => {
    const codec = new PayloadEncryption({ current });
    const input = json({ fromAccountId: 'acc-1', memo: 'rent' });
    const [sealed] = await codec.encode([input]);
    expect(text(sealed?.metadata?.encoding)).toBe('binary/encrypted');
    expect(text(sealed?.metadata?.[KEY_ID_METADATA])).toBe('2026-12');
    expect(text(sealed?.data)).not.toContain('acc-1');
    expect(text(sealed?.data)).not.toContain('json/plain');
    const [opened] = await codec.decode([sealed as Payload]);
    expect(text(opened?.metadata?.encoding)).toBe('json/plain');
    expect(JSON.parse(text(opened?.data))).toEqual({ fromAccountId: 'acc-1', memo: 'rent' });
  });

  it('never seals the same payload to the same bytes (a fresh nonce each time)', async () => {
    const codec = new PayloadEncryption({ current });
    const [first, second] = await codec.encode([json('same'), json('same')]);
    expect(Buffer.compare(Buffer.from(first?.data ?? []), Buffer.from(second?.data ?? []))).not.toBe(0);
  });

  it('opens what the previous key sealed, and seals only with the current one', async () => {
    const [sealedBefore] = await new PayloadEncryption({ current: old }).encode([json(1)]);
    const rotated = new PayloadEncryption({ current, previous: old });
    const [opened] = await rotated.decode([sealedBefore as Payload]);
    expect(text(opened?.data)).toBe('1');
    const [sealedAfter] = await rotated.encode([json(2)]);
    expect(text(sealedAfter?.metadata?.[KEY_ID_METADATA])).toBe('2026-12');
  });

  it('refuses a payload under a key it does not hold, naming the key id', async () => {
    const [sealed] = await new PayloadEncryption({ current: old }).encode([json(1)]);
    await expect(new PayloadEncryption({ current }).decode([sealed as Payload])).rejects.toThrow(
      new PayloadDecryptionError(
        'payload encrypted with key "2026-11", which is neither TEMPORAL_PAYLOAD_KEY nor TEMPORAL_PAYLOAD_PREVIOUS_KEY',
      ),
    );
  });

  it('refuses altered ciphertext, and a payload relabelled with another key’s id', async () => {
    const both = new PayloadEncryption({ current, previous: old });
    const [sealed] = (await both.encode([json('x')])) as [Payload];
    const altered = Buffer.from(sealed.data ?? []);
    altered[14] = (altered[14] ?? 0) ^ 0xff;
    await expect(both.decode([{ ...sealed, data: altered }])).rejects.toThrow(PayloadDecryptionError);
    const relabelled = { ...sealed, metadata: { ...sealed.metadata, [KEY_ID_METADATA]: Buffer.from('2026-11') } };
    await expect(both.decode([relabelled])).rejects.toThrow(PayloadDecryptionError);
    await expect(both.decode([{ ...sealed, data: Buffer.alloc(10) }])).rejects.toThrow(/truncated/);
  });

  it('passes through payloads from before encryption, as histories recorded then hold', async () => {
    const plain = json({ old: true });
    expect(await new PayloadEncryption({ current }).decode([plain])).toEqual([plain]);
  });
});
