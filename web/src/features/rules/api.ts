import { type z } from 'zod';

import { type newRuleBody, type ruleDefinition } from '@api/schemas';
import { ruleDryRunView, ruleHistoryView, ruleList, ruleView } from '@api/views';

import { type ApiClient } from '../../lib/api-client';

export type Rule = z.output<typeof ruleView>;
export type RuleDefinition = z.input<typeof ruleDefinition>;
export type NewRule = z.input<typeof newRuleBody>;
export type DryRun = z.output<typeof ruleDryRunView>;

const rulePath = (ruleId: string) => `/v1/rules/${encodeURIComponent(ruleId)}`;

export const listRules = (api: ApiClient) => api.request('/v1/rules', ruleList);

export const getRuleHistory = (api: ApiClient, ruleId: string) =>
  api.request(`${rulePath(ruleId)}/history`, ruleHistoryView);

export const createRule = (api: ApiClient, body: NewRule) =>
  api.request('/v1/rules', ruleView, { method: 'POST', body });

/** Replaces version `version`; a newer current version answers 409 `rule-version-mismatch`. */
export const updateRule = (api: ApiClient, ruleId: string, version: number, body: RuleDefinition) =>
  api.request(rulePath(ruleId), ruleView, { method: 'PUT', body, headers: { 'If-Match': `"${version}"` } });

/** Evaluates the draft against recent transfers; nothing is saved. */
export const dryRunRule = (api: ApiClient, rule: NewRule) =>
  api.request('/v1/rules/dry-run', ruleDryRunView, { method: 'POST', body: { rule } });

/** A rule's definition as a PUT carries it: the stored fields without the bookkeeping ones. */
export function definitionOf(rule: Rule): RuleDefinition {
  const { name, description, condition, score, action, enabled, shadow } = rule;
  return { name, description, condition: condition as Record<string, unknown>, score, action, enabled, shadow };
}
