import type { z } from 'zod';

import type { EventData, EventEnvelope } from '../domain/events';
import { temporalUiLink } from '../domain/temporal';
import type { EventType } from '../domain/topics';
import type { RiskDecision, TransferStatus } from '../domain/transfer';
import type { TransferRow } from '../ledger/ledger-reads';
import { RequestRefused } from '../use-cases/errors';
import type { ReviewCase } from '../use-cases/reviews';
import type { ListPosition, TransferRecord } from '../use-cases/transfers';
import type { CustomerTransferView, reviewQueue, TransferView, transferPage } from './views';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where the Temporal Web UI lives, for a transfer's link to its saga. */
export type TemporalLinks = { uiUrl: string; namespace: string };

const iso = (time: string | Date): string => new Date(time).toISOString();

/**
 * The client's view of a transfer: times as ISO-8601, the live step of a saga still running (when it
 * agrees with the row's status), and links to itself and to its saga in the Temporal Web UI.
 */
export function presentTransfer(temporal: TemporalLinks, record: TransferRecord): TransferView {
  const { row, live, review } = record;
  return {
    transferId: row.transferId,
    status: row.status,
    step: live && live.status === row.status ? live.step : row.step,
    fromAccountId: row.fromAccountId,
    toAccountId: row.toAccountId,
    amount: row.amount,
    currency: row.currency,
    memo: row.memo,
    riskDecision: row.riskDecision as RiskDecision | null,
    riskScore: row.riskScore,
    failureReason: row.failureReason,
    submittedAt: iso(row.submittedAt),
    settledAt: row.settledAt ? iso(row.settledAt) : null,
    history: record.history.map((change) => ({
      status: change.status,
      step: change.step,
      at: iso(change.at),
      reason: change.reason,
    })),
    review: review && { ...review, decidedAt: iso(review.decidedAt) },
    confirmation: (row.status === 'AWAITING_CONFIRMATION' && live?.confirmation) || null,
    links: { self: `/v1/transfers/${row.transferId}`, temporalUi: temporalUiLink(temporal, row.transferId) },
  };
}

/**
 * What a customer is told in place of the reasons risk and reviewers give: those name the score, the rules
 * that hit, and the reviewer with their words (`rejected by ops-1: …`). Every other reason (insufficient
 * funds, a closed account) is the customer's to know.
 */
const CUSTOMER_REASONS: Partial<Record<TransferStatus, string>> = {
  UNDER_REVIEW: 'held for review',
  AWAITING_CONFIRMATION: 'waiting for you to confirm it with the code sent to your phone',
  BLOCKED: 'blocked by risk checks',
  REJECTED: 'rejected in review',
};

const customerReason = (status: TransferStatus, reason: string): string => CUSTOMER_REASONS[status] ?? reason;

/**
 * A USER's view of a transfer, shaped from the staff one: without the risk score, the reviewer and their
 * reason, or the Web UI link, and with plain reasons in place of those of risk and review.
 */
export function customerViewOf(view: TransferView): CustomerTransferView {
  const { riskScore: _riskScore, review, links, ...shared } = view;
  return {
    ...shared,
    failureReason: view.failureReason && customerReason(view.status, view.failureReason),
    history: view.history.map((change) => ({
      ...change,
      reason: change.reason && customerReason(change.status, change.reason),
    })),
    review: review && { decision: review.decision, decidedAt: review.decidedAt },
    links: { self: links.self },
  };
}

/** transfer.flagged as a customer receives it: that risk held or blocked the transfer, not why. */
export type CustomerFlaggedEvent = Omit<EventEnvelope<'transfer.flagged'>, 'data'> & {
  data: Pick<EventData['transfer.flagged'], 'fromAccountId' | 'toAccountId' | 'amount' | 'decision'>;
};

/** What a live stream carries: staff get events whole, a USER its customer copy ({@link customerEventOf}). */
export type StreamEvent = EventEnvelope | CustomerFlaggedEvent;

const isOfType = <T extends EventType>(event: EventEnvelope, type: T): event is EventEnvelope<T> => event.type === type;

/**
 * A live-feed event as a USER receives it. transfer.flagged keeps the accounts, the amount and the decision
 * (REVIEW or BLOCK), named field by field so that nothing added to the event reaches customers unseen; the
 * score, the reasons and the rule hits (shadow rules among them) stay with staff. transfer.failed gets the
 * plain reason; transfer.completed carries nothing to hide.
 */
export function customerEventOf(event: EventEnvelope): StreamEvent {
  if (isOfType(event, 'transfer.flagged')) {
    const { fromAccountId, toAccountId, amount, decision } = event.data;
    return { ...event, data: { fromAccountId, toAccountId, amount, decision } };
  }
  if (isOfType(event, 'transfer.failed')) {
    return { ...event, data: { ...event.data, reason: customerReason(event.data.status, event.data.reason) } };
  }
  return event;
}

/** A row of a listing: no history, no review. */
const listed = (temporal: TemporalLinks, row: TransferRow) =>
  presentTransfer(temporal, { row, history: [], review: null });

/** A page of the staff listing, with the opaque cursor of the next one. */
export function presentTransferPage(
  temporal: TemporalLinks,
  page: { rows: TransferRow[]; next: ListPosition | null },
): z.output<typeof transferPage> {
  return {
    items: page.rows.map((row) => listed(temporal, row)),
    nextCursor: page.next && encodeCursor(page.next),
  };
}

/** The review queue; a waiting transfer's last change is when it went under review. */
export function presentReviewQueue(temporal: TemporalLinks, cases: ReviewCase[]): z.output<typeof reviewQueue> {
  return {
    items: cases.map(({ row, claim, reviewDeadline }) => ({
      ...listed(temporal, row),
      underReviewSince: iso(row.updatedAt),
      reviewDeadline,
      claim,
    })),
  };
}

/** The listing cursor: base64url JSON of the last transfer's submission time and id. */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify({ s: position.submittedAt, t: position.transferId })).toString('base64url');
}

/** Reads a cursor {@link encodeCursor} issued; anything else is a 400 naming `query.cursor`. */
export function decodeCursor(cursor: string): ListPosition {
  try {
    const { s, t } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s: unknown; t: unknown };
    // Both go into SQL as a timestamp and a uuid: anything else must be refused here, not by PostgreSQL.
    if (typeof s !== 'string' || typeof t !== 'string' || Number.isNaN(Date.parse(s)) || !UUID.test(t)) {
      throw new Error('bad cursor');
    }
    return { submittedAt: s, transferId: t };
  } catch {
    throw new RequestRefused(
      'invalid',
      'validation-failed',
      'query.cursor is not a cursor this API issued',
      'query.cursor',
    );
  }
}
