import { randomUUID } from 'node:crypto';

import type { Principal } from '../domain/roles';
import { parseCondition } from '../risk/conditions';
import { RuleWriteRefused } from '../risk/rule-store';
import type { Rule, RuleDefinition, RuleVersion } from '../risk/rules';
import { evaluateCondition } from '../risk/condition-evaluator';
import { compileRules, judge } from '../risk/engine';
import type { RiskDecision } from '../domain/transfer';
import type { UseCaseContext } from './context';
import { RequestRefused } from './errors';

/** Versioned rule CRUD. Every write records who made it and publishes the new rule set to workers. */
export async function listRules(context: UseCaseContext): Promise<{ items: Rule[] }> {
  return { items: await context.risk.rules.list() };
}

export async function getRule(context: UseCaseContext, ruleId: string): Promise<Rule> {
  const rule = await context.risk.rules.get(ruleId);
  if (!rule) throw notFound(ruleId);
  return rule;
}

export async function ruleHistory(
  context: UseCaseContext,
  ruleId: string,
): Promise<{ ruleId: string; versions: RuleVersion[] }> {
  const versions = await context.risk.rules.history(ruleId);
  if (versions.length === 0) throw notFound(ruleId);
  return { ruleId, versions };
}

export async function createRule(
  context: UseCaseContext,
  principal: Principal,
  body: RuleDefinition & { ruleId?: string },
): Promise<Rule> {
  const { ruleId = `rule-${randomUUID().slice(0, 8)}`, ...definition } = body;
  checkCondition(definition.condition);
  return refusalsAsProblems(() => context.risk.rules.create(ruleId, definition, principal.sub));
}

export async function updateRule(
  context: UseCaseContext,
  principal: Principal,
  ruleId: string,
  definition: RuleDefinition,
  expectedVersion?: number,
): Promise<Rule> {
  checkCondition(definition.condition);
  return refusalsAsProblems(() => context.risk.rules.update(ruleId, definition, principal.sub, expectedVersion));
}

export async function deleteRule(
  context: UseCaseContext,
  principal: Principal,
  ruleId: string,
  expectedVersion?: number,
): Promise<void> {
  await refusalsAsProblems(() => context.risk.rules.remove(ruleId, principal.sub, expectedVersion));
}

/** What a draft rule would have done to the latest evaluated transfers. */
export interface DryRun {
  /** Transfers whose recorded facts the draft was tried on. */
  evaluated: number;
  /** How many of them the draft's condition hits. */
  hits: number;
  /** How many decisions the draft changes. */
  changed: number;
  changes: Array<{ transferId: string; evaluatedAt: string; before: RiskDecision; after: RiskDecision }>;
}

/**
 * Tries a draft on the facts recorded for the latest `limit` evaluations, saving nothing: the current
 * rule set decides each transfer once as it is and once with the draft in it (replacing the rule of the
 * same id, or added), so a change is the draft's alone and not that of rules changed since.
 */
export async function dryRunRule(
  context: UseCaseContext,
  draft: RuleDefinition & { ruleId?: string },
  limit: number,
): Promise<DryRun> {
  checkCondition(draft.condition, 'body.rule.condition');
  const current = await context.risk.rules.list();
  const { ruleId = DRAFT_RULE_ID, ...definition } = draft;
  const replaced = current.find((rule) => rule.ruleId === ruleId);
  const draftRule: Rule = {
    ...definition,
    ruleId,
    version: (replaced?.version ?? 0) + 1,
    updatedBy: 'dry run',
    updatedAt: new Date().toISOString(),
  };
  const before = compileRules(current);
  const after = compileRules([...current.filter((rule) => rule.ruleId !== ruleId), draftRule]);
  const draftCondition = after.find((rule) => rule.ruleId === ruleId)!.compiled;
  const settings = context.config.risk;
  const recorded = await context.risk.log.recentFacts(limit);
  let hits = 0;
  const changes: DryRun['changes'] = [];
  for (const { transferId, evaluatedAt, facts, anomalyReason } of recorded) {
    if (evaluateCondition(draftCondition, facts).hit) hits += 1;
    const was = judge(before, facts, anomalyReason ?? '', settings).decision;
    const would = judge(after, facts, anomalyReason ?? '', settings).decision;
    if (was !== would) changes.push({ transferId, evaluatedAt, before: was, after: would });
  }
  return { evaluated: recorded.length, hits, changed: changes.length, changes };
}

/** The id a draft without one is tried under; no stored rule can have it (ids start with a letter or digit). */
const DRAFT_RULE_ID = '~draft';

/** A condition outside the language is refused with a 422 naming the path, e.g. `body.condition.all[1].amout`. */
function checkCondition(condition: unknown, where = 'body.condition'): void {
  const check = parseCondition(condition, where);
  if (!check.ok)
    throw new RequestRefused('unprocessable', 'invalid-condition', `${check.path} ${check.message}`, check.path);
}

async function refusalsAsProblems<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof RuleWriteRefused)) throw error;
    if (error.reason === 'not-found') throw new RequestRefused('not-found', 'rule-not-found', error.message);
    if (error.reason === 'exists') throw new RequestRefused('conflict', 'rule-exists', error.message, 'ruleId');
    throw new RequestRefused('conflict', 'rule-version-mismatch', error.message, 'If-Match');
  }
}

const notFound = (ruleId: string) => new RequestRefused('not-found', 'rule-not-found', `rule ${ruleId} does not exist`);
