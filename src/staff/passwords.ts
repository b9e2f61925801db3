import { Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): about 25 ms a hash on
 * this machine's cores, which makes a guessing run against a stolen table slow and a sign-in not.
 */
const ARGON2ID = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password);
}

let decoy: Promise<string> | undefined;

/**
 * Checked when the username is unknown, so an unknown name takes as long to refuse as a wrong
 * password and the timing does not tell which names exist.
 */
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoy ??= hashPassword('no such account: compare against something all the same');
  await verify(await decoy, password);
  return false;
}
