import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * Workflow and activity payloads as Temporal stores them: AES-256-GCM over the whole payload (its
 * metadata too, so even the encoding is hidden), with the key's id in the clear beside it. Temporal
 * keeps every input and result in its history for as long as the namespace retains it, account ids,
 * amounts and memos included; encrypted, a reader of that history (the Web UI, the CLI, a database
 * backup) sees only ciphertext unless the codec endpoint decodes it for a staff member.
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

/** One AES-256 key, under the id payloads name it by; the id is not secret, the key is. */
export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** Which payload keys are in use: `current` encrypts; both decrypt, so payloads sealed before a rotation still open. */
export interface PayloadKeys {
  current: PayloadKey;
  previous?: PayloadKey;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const Payloads = temporal.api.common.v1.Payload;
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

/** A payload that cannot be opened: a key neither current nor previous, or ciphertext that was altered. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

export class PayloadEncryption implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;

  constructor(private readonly given: PayloadKeys) {
    this.keys = new Map([[given.current.id, given.current.key]]);
    if (given.previous) this.keys.set(given.previous.id, given.previous.key);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.seal(payload));
  }

  /** Opens encrypted payloads; others (histories recorded before the codec) pass through as they are. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.open(payload) : payload));
  }

  private seal(payload: Payload): Payload {
    const { id, key } = this.given.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    // The key id is authenticated too: relabelling a payload with another key's id fails to open.
    cipher.setAAD(Buffer.from(id));
    const sealed = Buffer.concat([cipher.update(Payloads.encode(payload).finish()), cipher.final()]);
    return {
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id) },
      data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
    };
  }

  private open(payload: Payload): Payload {
    const id = text(payload.metadata?.[KEY_ID_METADATA]) ?? '';
    const key = this.keys.get(id);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload encrypted with key "${id}", which is neither TEMPORAL_PAYLOAD_KEY nor TEMPORAL_PAYLOAD_PREVIOUS_KEY`,
      );
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('encrypted payload is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return Payloads.decode(plain);
    } catch (error) {
      throw new PayloadDecryptionError(`payload under key "${id}" failed authentication`, { cause: error });
    }
  }
}

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.encoding) === ENCRYPTED_ENCODING;
}

/** What every Temporal client and worker of the service converts payloads with. */
export function encryptedDataConverter(keys: PayloadKeys): DataConverter {
  return { payloadCodecs: [new PayloadEncryption(keys)] };
}
