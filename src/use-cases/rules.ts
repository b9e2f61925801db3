import { randomUUID } from 'node:crypto';

import type { Principal } from '../domain/roles';
import { parseCondition } from '../risk/conditions';
import { RuleWriteRefused } from '../risk/rule-store';
import type { Rule, RuleDefinition, RuleVersion } from '../risk/rules';
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

/** A condition outside the language is refused with a 422 naming the path, e.g. `body.condition.all[1].amout`. */
function checkCondition(condition: unknown): void {
  const check = parseCondition(condition, 'body.condition');
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
