/** @isolated pure: node:crypto only, no service */
import { sameHash } from '../../src/domain/confirmation';
import { CODE_DIGITS, confirmationText, hashCode, newCode } from '../../src/verification/one-time-code';

const SECRET = 'a-confirmation-code-secret-of-32-bytes';

/** Every run of digits in a text, longest first. */
const digitRuns = (text: string) => (text.match(/\d+/g) ?? []).sort((a, b) => b.length - a.length);

describe('one-time codes', () => {
  it('draws codes of exactly 6 ASCII digits that vary, leading zeros kept', () => {
    const codes = Array.from({ length: 2000 }, () => newCode());
    for (const code of codes) expect(code).toMatch(/^[0-9]{6}$/);
    // 2000 draws from a million: a repeat or two is chance, a handful is a broken generator.
    expect(new Set(codes).size).toBeGreaterThan(1980);
    // About 10 % of codes start with 0; none at all would mean the padding is lost.
    expect(codes.some((code) => code.startsWith('0'))).toBe(true);
  });

  it('hashes a code with a key, differently per transfer and per secret, the same for the same three', () => {
    const hash = hashCode(SECRET, 'transfer-1', '123456');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashCode(SECRET, 'transfer-1', '123456')).toBe(hash);
    expect(hashCode(SECRET, 'transfer-2', '123456')).not.toBe(hash);
    expect(hashCode(`${SECRET}!`, 'transfer-1', '123456')).not.toBe(hash);
    expect(hashCode(SECRET, 'transfer-1', '123457')).not.toBe(hash);
    expect(hash).not.toContain('123456');
  });

  it('compares two hashes equal only when every digit is (the saga judges a code by its hash)', () => {
    const stored = hashCode(SECRET, 'transfer-1', '042042');
    expect(sameHash(hashCode(SECRET, 'transfer-1', '042042'), stored)).toBe(true);
    expect(sameHash(hashCode(SECRET, 'transfer-2', '042042'), stored)).toBe(false);
    expect(sameHash(hashCode(SECRET, 'transfer-1', '042043'), stored)).toBe(false);
    expect(sameHash(stored.slice(0, -1), stored)).toBe(false);
  });

  describe('the confirmation text', () => {
    it('says the code, the amount in major units with its currency, and when it expires', () => {
      expect(confirmationText('123456', 1_250_00, 'EUR', 5 * 60_000)).toBe(
        'transfer-saga: your code is 123456 to confirm the transfer of 1,250.00 EUR. It expires in 5 minutes. ' +
          'Never share it.',
      );
    });

    it.each([
      [5, 'EUR', '0.05 EUR'],
      [1_000_000_00, 'USD', '1,000,000.00 USD'],
      [1_250_000, 'KRW', '1,250,000 KRW'],
      [1_500, 'JPY', '1,500 JPY'],
      [1_234_567, 'BHD', '1,234.567 BHD'],
      [Number.MAX_SAFE_INTEGER, 'EUR', '90,071,992,547,409.91 EUR'],
    ])('shows %i minor units of %s as %s', (amount, currency, shown) => {
      expect(confirmationText('123456', amount, currency, 60_000)).toContain(`the transfer of ${shown}.`);
    });

    it.each([
      [60_000, '1 minute'],
      [10 * 60_000, '10 minutes'],
      [90_000, '90 seconds'],
      [1_000, '1 second'],
    ])('says a time to live of %i ms as %s', (ttlMs, said) => {
      expect(confirmationText('123456', 100, 'EUR', ttlMs)).toContain(`It expires in ${said}.`);
    });

    it('holds no run of digits as long as a code but the code, whatever the amount', () => {
      for (const amount of [0, 123_456, 1_234_567, 99_999_999_99, Number.MAX_SAFE_INTEGER]) {
        for (const currency of ['EUR', 'KRW', 'BHD']) {
          const code = newCode();
          const runs = digitRuns(confirmationText(code, amount, currency, 5 * 60_000));
          expect(runs[0]).toBe(code);
          expect(runs.slice(1).every((run) => run.length < CODE_DIGITS)).toBe(true);
        }
      }
    });

    it('refuses an amount that is not whole minor units, and a currency that does not exist', () => {
      expect(() => confirmationText('123456', 12.5, 'EUR', 60_000)).toThrow(RangeError);
      expect(() => confirmationText('123456', -1, 'EUR', 60_000)).toThrow(RangeError);
      expect(() => confirmationText('123456', 100, 'EURO', 60_000)).toThrow(RangeError);
    });
  });
});
