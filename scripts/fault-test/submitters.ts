import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { Account, ApiCall, Businesses } from './bank';

/** One business remittance this often, a tenth of them re-sent with the same key. */
const REMIT_EVERY_MS = 1_500;

/**
 * Each of the six submitters sends at most one request this often: about 12 a second in all, well under
 * what the service settles with every fault healed, so the backlog a fault leaves drains and the run
 * tests correctness, not capacity (an answer takes milliseconds, so an unpaced loop would offer ~80/s).
 */
const SUBMIT_EVERY_MS = 500;

/** How many submitters run at once. */
export const SUBMITTERS = 6;

/** The share of new transfers that say where they are sent from. */
const LOCATED_SHARE = 0.15;

/**
 * Where a sender's located transfers come from, in turn: 10 418 km apart, so most of a sender's located
 * transfers after its first are an impossible trip for the run's travel rule (STEP_UP). Not all: risk
 * never sees one declined at the reserve, so the sender stays where it was, and a Redis flush forgets
 * where every sender was.
 */
const CITIES = [
  { lat: 37.5665, lon: 126.978 }, // Seoul
  { lat: 38.7223, lon: -9.1393 }, // Lisbon
] as const;

/**
 * The load: transfers between random pairs with random amounts (some overdrawn, some over a rule's
 * threshold, some located in turn in Seoul and Lisbon so they step up), a tenth of them re-sent with the
 * same Idempotency-Key, and a reviewer deciding half of the review queue. Runs until `deadline` (a
 * `performance.now()` time).
 */
export class Load {
  /** Idempotency-Key → the transfer its first 202 named. */
  readonly acknowledged = new Map<string, string>();
  /** Idempotency-Key → the remittance its first 202 named. */
  readonly remittances = new Map<string, string>();
  readonly submissions = { attempted: 0, acknowledged: 0, refused: 0, failed: 0, duplicates: 0 };
  private readonly sent: Array<{ owner: string; key: string; body: object }> = [];
  /** Account id → the index in {@link CITIES} its next located transfer comes from. */
  private readonly nextCity = new Map<string, number>();

  /**
   * @param next - the load's random stream, shared by every submitter and the reviewer.
   * @param violations - where a key answering two different transfers is reported.
   */
  constructor(
    private readonly call: ApiCall,
    private readonly accounts: Account[],
    private readonly next: () => number,
    private readonly deadline: number,
    private readonly violations: string[],
  ) {}

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  async submitter(): Promise<void> {
    const { sent, submissions } = this;
    while (performance.now() < this.deadline) {
      const paced = new Promise((wake) => setTimeout(wake, SUBMIT_EVERY_MS));
      const duplicate = sent.length > 0 && this.next() < 0.1;
      const request = duplicate
        ? this.pick(sent)
        : (() => {
            const from = this.pick(this.accounts);
            let to = this.pick(this.accounts);
            while (to === from) to = this.pick(this.accounts);
            const body = {
              fromAccountId: from.id,
              toAccountId: to.id,
              amount: 1 + Math.floor(this.next() * 3_000),
              currency: 'EUR',
              ...(this.next() < LOCATED_SHARE ? { context: { location: this.travel(from) } } : {}),
            };
            return { owner: from.owner, key: randomUUID(), body };
          })();
      if (!duplicate) sent.push(request);
      submissions.attempted += 1;
      if (duplicate) submissions.duplicates += 1;
      try {
        const answer = await this.call('POST', '/v1/transfers', request.owner, 'USER', request.body, request.key);
        if (answer.status === 202) {
          const transferId = answer.body.transferId as string;
          const first = this.acknowledged.get(request.key);
          if (first !== undefined && first !== transferId) {
            this.violations.push(`Idempotency-Key ${request.key} answered transfer ${first}, then ${transferId}`);
          }
          this.acknowledged.set(request.key, transferId);
          submissions.acknowledged += duplicate ? 0 : 1;
        } else if (answer.status < 500) submissions.refused += 1;
        else {
          // A client backs off from a 5xx (503 asks for it) and retries the same key later.
          submissions.failed += 1;
          await new Promise((wake) => setTimeout(wake, 500));
        }
      } catch {
        submissions.failed += 1;
        await new Promise((wake) => setTimeout(wake, 200));
      }
      await paced;
    }
  }

  /** Where the sender's next located transfer is sent from: the other city than its last one. */
  private travel(from: Account): (typeof CITIES)[number] {
    const at = this.nextCity.get(from.id) ?? 0;
    this.nextCity.set(from.id, (at + 1) % CITIES.length);
    return CITIES[at] as (typeof CITIES)[number];
  }

  /** Business remittances from A to B over the run's rail, with duplicates, until the deadline. */
  async remitter(businesses: Businesses): Promise<void> {
    const sent: Array<{ key: string; body: object }> = [];
    while (performance.now() < this.deadline) {
      const paced = new Promise((wake) => setTimeout(wake, REMIT_EVERY_MS));
      const duplicate = sent.length > 0 && this.next() < 0.1;
      const request = duplicate
        ? this.pick(sent)
        : {
            key: randomUUID(),
            body: {
              fromBusiness: businesses.from,
              toBusiness: businesses.to,
              amount: 1 + Math.floor(this.next() * 5_000),
              currency: 'EUR',
              reference: 'fault test',
            },
          };
      if (!duplicate) sent.push(request);
      try {
        const answer = await this.call('POST', '/v1/remittances', businesses.owner, 'USER', request.body, request.key);
        if (answer.status === 202) {
          const remittanceId = answer.body.remittanceId as string;
          const first = this.remittances.get(request.key);
          if (first !== undefined && first !== remittanceId) {
            this.violations.push(`Idempotency-Key ${request.key} answered remittance ${first}, then ${remittanceId}`);
          }
          this.remittances.set(request.key, remittanceId);
        }
      } catch {
        // The API may be down; the next one is another remittance, this key may come back as a duplicate.
      }
      await paced;
    }
  }

  /** Every remittance acknowledged, once each. */
  remittanceIds(): string[] {
    return [...new Set(this.remittances.values())];
  }

  async reviewer(): Promise<void> {
    while (performance.now() < this.deadline) {
      try {
        const queue = await this.call('GET', '/v1/reviews?limit=100', 'fault-ops', 'OPS_AGENT');
        for (const item of (queue.body.items as Array<{ transferId: string }> | undefined) ?? []) {
          // Half are decided; the rest are left to time out.
          if (this.next() < 0.5) continue;
          await this.call('POST', `/v1/transfers/${item.transferId}/review`, 'fault-ops', 'OPS_AGENT', {
            decision: this.next() < 0.5 ? 'APPROVE' : 'REJECT',
            reason: 'fault test',
          });
        }
      } catch {
        // The API or PostgreSQL may be down; try again.
      }
      await new Promise((wake) => setTimeout(wake, 2_000));
    }
  }

  /** Every transfer acknowledged, once each. */
  transferIds(): string[] {
    return [...new Set(this.acknowledged.values())];
  }
}
