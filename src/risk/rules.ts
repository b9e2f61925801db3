import type { Condition } from './conditions';

/**
 * What a rule does when it hits: only add its score, or also force at least STEP_UP (the sender confirms
 * with a one-time code), at least REVIEW, or BLOCK. The strongest forced action among the hits wins.
 */
export const RULE_ACTIONS = ['SCORE', 'STEP_UP', 'REVIEW', 'BLOCK'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** A rule as an operator writes it. */
export interface RuleDefinition {
  name: string;
  description: string | null;
  /** Validated by `parseCondition` before it is stored; stored as `condition_json`. */
  condition: unknown;
  score: number;
  action: RuleAction;
  enabled: boolean;
  /** Evaluated and logged, but never part of a decision: for trying a rule on live traffic. */
  shadow: boolean;
}

/** One version of a rule. Versions count up from 1 per rule and are never overwritten. */
export interface Rule extends RuleDefinition {
  ruleId: string;
  version: number;
  updatedBy: string;
  updatedAt: string;
}

export interface RuleVersion extends Rule {
  /** The version that removed the rule. */
  deleted: boolean;
}

/** Every current rule under one rule-set version: what a worker evaluates as a whole. */
export interface RuleSetSnapshot {
  version: number;
  rules: Rule[];
}

/** A rule ready to run: its condition parsed once per rule-set version, not per transfer. */
export interface CompiledRule extends Rule {
  compiled: Condition;
}
