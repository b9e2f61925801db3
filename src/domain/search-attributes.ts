import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The search attributes operators filter on in the Temporal Web UI (DESIGN.md §6). The local stack
 * registers exactly these with the dev server, so the workflow and the server never disagree.
 */
export const transferSearchAttributes = {
  status: defineSearchAttributeKey('TransferStatus', SearchAttributeType.KEYWORD),
  fromAccount: defineSearchAttributeKey('FromAccount', SearchAttributeType.KEYWORD),
  toAccount: defineSearchAttributeKey('ToAccount', SearchAttributeType.KEYWORD),
  riskDecision: defineSearchAttributeKey('RiskDecision', SearchAttributeType.KEYWORD),
  amountMinor: defineSearchAttributeKey('AmountMinor', SearchAttributeType.INT),
} as const;
