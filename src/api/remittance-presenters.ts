import type { z } from 'zod';

import { remittanceNumber, remittanceWorkflowId } from '../domain/remittance';
import { workflowUiLink } from '../domain/temporal';
import type { RemittanceFailureRow, RemittanceRow } from '../remittances/remittance-reads';
import type { RemittanceRecord } from '../use-cases/remittances';
import { decodeCursor, encodeCursor } from './presenters';
import type { customerRemittanceView, remittanceFailureView, remittancePage, RemittanceView } from './views';

type TemporalLinks = { uiUrl: string; namespace: string };

/** A remittance as staff see it: with its rail instructions, its failure records and its Web UI link. */
export function presentRemittance(temporal: TemporalLinks, record: RemittanceRecord): RemittanceView {
  const { row } = record;
  return {
    remittanceId: row.remittanceId,
    number: remittanceNumber(row.number),
    status: row.status,
    step: row.step,
    rail: row.rail,
    fromBusiness: {
      businessId: row.fromBusiness.businessId,
      bank: row.fromBusiness.bank,
      account: row.fromBusiness.account,
    },
    toBusiness: row.toBusiness,
    amount: row.amount,
    currency: row.currency,
    reference: row.reference,
    failureReason: row.failureReason,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    history: record.history.map((change) => ({
      status: change.toStatus,
      step: change.step,
      at: iso(change.occurredAt),
      reason: change.reason,
    })),
    instructions: record.instructions.map((instruction) => ({ ...instruction, updatedAt: iso(instruction.updatedAt) })),
    failures: record.failures.map(presentFailure),
    links: {
      self: `/v1/remittances/${row.remittanceId}`,
      temporalUi: workflowUiLink(temporal, remittanceWorkflowId(row.remittanceId)),
    },
  };
}

/** What the owner sees: where its money is, without the rail's internals or the Web UI. */
export function customerRemittanceOf(view: RemittanceView): z.output<typeof customerRemittanceView> {
  const { instructions: _instructions, failures: _failures, rail: _rail, links, ...rest } = view;
  return { ...rest, links: { self: links.self } };
}

export function presentFailure(row: RemittanceFailureRow): z.output<typeof remittanceFailureView> {
  return {
    ...row,
    number: remittanceNumber(row.number),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    resolvedAt: row.resolvedAt === null ? null : iso(row.resolvedAt),
  };
}

/** A page of the staff listing, with the opaque cursor of the next one (the transfers' cursor format). */
export function presentRemittancePage(
  temporal: TemporalLinks,
  page: { items: RemittanceRow[]; next?: { createdAt: string; remittanceId: string } },
): z.output<typeof remittancePage> {
  return {
    items: page.items.map((row) => presentRemittance(temporal, { row, history: [], instructions: [], failures: [] })),
    nextCursor: page.next
      ? encodeCursor({ submittedAt: page.next.createdAt, transferId: page.next.remittanceId })
      : null,
  };
}

/** Reads a listing cursor; anything else is a 400 naming `query.cursor`. */
export function decodeRemittanceCursor(cursor: string): { createdAt: string; remittanceId: string } {
  const { submittedAt, transferId } = decodeCursor(cursor);
  return { createdAt: submittedAt, remittanceId: transferId };
}

/** PostgreSQL's JSON timestamps carry an offset; the API answers UTC. */
const iso = (time: string): string => new Date(time).toISOString();
