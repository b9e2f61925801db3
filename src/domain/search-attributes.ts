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

/** A remittance's: its status, both businesses (`bank/account`), and the amount, shared with transfers. */
export const remittanceSearchAttributes = {
  status: defineSearchAttributeKey('RemittanceStatus', SearchAttributeType.KEYWORD),
  fromBusiness: defineSearchAttributeKey('FromBusiness', SearchAttributeType.KEYWORD),
  toBusiness: defineSearchAttributeKey('ToBusiness', SearchAttributeType.KEYWORD),
  amountMinor: transferSearchAttributes.amountMinor,
} as const;

/** Every search attribute the service uses, each once: what the stack registers with Temporal. */
export const SEARCH_ATTRIBUTES = [
  ...Object.values(transferSearchAttributes),
  ...Object.values(remittanceSearchAttributes).filter((key) => key !== transferSearchAttributes.amountMinor),
];
