import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { SmsGateway } from '../../harness/sms-gateway';
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

/**
 * How often the confirmer looks for transfers waiting for their sender: a code lives 8 s in the run
 * (CONFIRMATION_CODE_TTL_MS), so the reviewer's 2 s would spend a quarter of it before looking.
 */
const CONFIRM_EVERY_MS = 1_000;

/** How many pages of the waiting list the confirmer reads at most per look: the run never has 300 waiting. */
const CONFIRM_PAGES = 3;

/** What the confirmer does with one waiting transfer, drawn once when it first sees it. */
type ConfirmationPlan = 'confirm' | 'wrong-then-confirm' | 'decline' | 'leave';

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
 * same Idempotency-Key, a reviewer deciding half of the review queue and a confirmer answering half of the
 * step-ups. Runs until `deadline` (a `performance.now()` time).
 */
export class Load {
  /** Idempotency-Key → the transfer its first 202 named. */
  readonly acknowledged = new Map<string, string>();
  /** Idempotency-Key → the remittance its first 202 named. */
  readonly remittances = new Map<string, string>();
  readonly submissions = { attempted: 0, acknowledged: 0, refused: 0, failed: 0, duplicates: 0 };
  /**
   * What the confirmer did: answers that took (confirmed, declined), transfers left to expire, wrong codes
   * sent first and how many of those were not answered 422 with two tries left, and calls refused (4xx)
   * or failed (5xx or no answer); after a 409 or a failure it tries again while the transfer waits.
   */
  readonly confirmations = {
    confirmed: 0,
    declined: 0,
    left: 0,
    wrongFirst: 0,
    wrongAnsweredOtherwise: 0,
    refused: 0,
    failed: 0,
  };
  private readonly sent: Array<{ owner: string; key: string; body: object }> = [];
  /** Account id → the index in {@link CITIES} its next located transfer comes from. */
  private readonly nextCity = new Map<string, number>();

  /**
   * @param next - the load's random stream, shared by every submitter, the reviewer and the confirmer.
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

  /**
   * The sender's side of the step-ups, until the deadline: each of the run's transfers found
   * AWAITING_CONFIRMATION is planned once from the load's stream — a quarter confirmed with the code the
   * run's SMS gateway received for it (one in ten of those after a wrong code first), a quarter declined,
   * half left to expire — and answered once its code has arrived (the listing shows the status before the
   * code is sent, and the saga takes no answer before it).
   *
   * @param since - when the load began: the listing is narrowed to transfers submitted since.
   */
  async confirmer(sms: SmsGateway, since: Date): Promise<void> {
    const plans = new Map<string, ConfirmationPlan>();
    const done = new Set<string>();
    const wrongSent = new Set<string>();
    const accounts = new Map(this.accounts.map((account) => [account.id, account]));
    const counts = this.confirmations;
    // Counts one answer; true when the transfer is answered for good, false to try again at the next look.
    const took = (answer: { status: number }, kind: 'confirmed' | 'declined'): boolean => {
      if (answer.status === 200) {
        counts[kind] += 1;
        return true;
      }
      if (answer.status < 500) counts.refused += 1;
      else counts.failed += 1;
      // A 409 may come from a saga that does not hold the code yet: the gateway has it a moment before the
      // saga does (longer when the send's result is lost). Once the code expires, the transfer leaves the list.
      return answer.status < 500 && answer.status !== 409;
    };
    const answer = async (transferId: string, sender: Account, plan: ConfirmationPlan): Promise<boolean> => {
      const code = sms.lastCodeTo(sender.phone, `${transferId}:`);
      if (code === undefined) return false;
      const confirm = (body: object) =>
        this.call('POST', `/v1/transfers/${transferId}/confirm`, sender.owner, 'USER', body);
      try {
        if (plan === 'decline') return took(await confirm({ decision: 'DECLINE' }), 'declined');
        if (plan === 'wrong-then-confirm' && !wrongSent.has(transferId)) {
          // Marked before the call: a wrong code whose answer was lost is not sent again.
          wrongSent.add(transferId);
          counts.wrongFirst += 1;
          const wrong = await confirm({ code: anotherCode(code) });
          if (wrong.status < 500 && !(wrong.status === 422 && wrong.body.triesLeft === 2)) {
            counts.wrongAnsweredOtherwise += 1;
          }
        }
        return took(await confirm({ code }), 'confirmed');
      } catch {
        counts.failed += 1;
        return false;
      }
    };

    while (performance.now() < this.deadline) {
      const paced = new Promise((wake) => setTimeout(wake, CONFIRM_EVERY_MS));
      try {
        const ours = new Set(this.acknowledged.values());
        const calls: Array<Promise<void>> = [];
        for (const { transferId, fromAccountId } of await this.awaitingConfirmation(since)) {
          const sender = accounts.get(fromAccountId);
          if (!ours.has(transferId) || sender === undefined || done.has(transferId)) continue;
          let plan = plans.get(transferId);
          if (plan === undefined) {
            plan = this.planConfirmation();
            plans.set(transferId, plan);
          }
          if (plan === 'leave') {
            counts.left += 1;
            done.add(transferId);
            continue;
          }
          calls.push(
            answer(transferId, sender, plan).then((answered) => {
              if (answered) done.add(transferId);
            }),
          );
        }
        // At once, so one slow answer (a saga waiting out a fault) does not let the others' codes expire.
        await Promise.all(calls);
      } catch {
        // The API or PostgreSQL may be down; look again.
      }
      await paced;
    }
  }

  private planConfirmation(): ConfirmationPlan {
    const draw = this.next();
    if (draw < 0.025) return 'wrong-then-confirm';
    if (draw < 0.25) return 'confirm';
    if (draw < 0.5) return 'decline';
    return 'leave';
  }

  /** The transfers submitted since `since` that wait for their sender, as staff list them, newest first. */
  private async awaitingConfirmation(since: Date): Promise<Array<{ transferId: string; fromAccountId: string }>> {
    const waiting: Array<{ transferId: string; fromAccountId: string }> = [];
    let cursor: string | undefined;
    for (let page = 0; page < CONFIRM_PAGES; page += 1) {
      const query = new URLSearchParams({
        status: 'AWAITING_CONFIRMATION',
        submittedFrom: since.toISOString(),
        limit: '100',
        ...(cursor === undefined ? {} : { cursor }),
      });
      const listed = await this.call('GET', `/v1/transfers?${query.toString()}`, 'fault-ops', 'OPS_AGENT');
      if (listed.status !== 200) break;
      waiting.push(...((listed.body.items as typeof waiting | undefined) ?? []));
      cursor = (listed.body.nextCursor as string | null | undefined) ?? undefined;
      if (cursor === undefined) break;
    }
    return waiting;
  }

  /** Every transfer acknowledged, once each. */
  transferIds(): string[] {
    return [...new Set(this.acknowledged.values())];
  }
}

/** A code that is certainly not `code`: its last digit moved on by one. */
function anotherCode(code: string): string {
  return `${code.slice(0, -1)}${(Number(code.slice(-1)) + 1) % 10}`;
}
