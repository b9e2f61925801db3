/** @isolated no service */
import type { Config } from '../../src/config';
import type { RiskFacts } from '../../src/risk/conditions';
import { compileRules, judge } from '../../src/risk/engine';
import type { Rule, RuleAction } from '../../src/risk/rules';

const facts: RiskFacts = {
  amount: 5_000,
  currency: 'EUR',
  fromAccountId: 'acc-alice',
  toAccountId: 'acc-bob',
  eventTime: '2024-05-01T12:00:00.000Z',
  velocity: {},
  dailyTotal: 5_000,
  newReceiver: false,
  anomalyScore: 0,
};

const settings: Config['risk'] = {
  reviewThreshold: 50,
  blockThreshold: 100,
  anomalyWeight: 40,
  stepUpThreshold: undefined,
};

/** A rule that always hits (or never, with `hits: false`), with the action and score given. */
function rule(action: RuleAction, { score = 1, hits = true, shadow = false } = {}): Rule {
  return {
    ruleId: `${action.toLowerCase()}-${score}-${hits}-${shadow}`,
    version: 1,
    name: action,
    description: null,
    condition: { currency: { in: [hits ? 'EUR' : 'GBP'] } },
    score,
    action,
    enabled: true,
    shadow,
    updatedBy: 'test',
    updatedAt: '2024-05-01T00:00:00.000Z',
  };
}

const decisionOf = (rules: Rule[], risk: Partial<Config['risk']> = {}, anomalyScore = 0) =>
  judge(compileRules(rules), { ...facts, anomalyScore }, 'test', { ...settings, ...risk }).decision;

describe('the risk decision', () => {
  it('a STEP_UP rule that hits asks the sender to confirm', () => {
    expect(decisionOf([rule('STEP_UP'), rule('SCORE')])).toBe('STEP_UP');
  });

  it('REVIEW wins over STEP_UP, and BLOCK over both', () => {
    expect(decisionOf([rule('STEP_UP'), rule('REVIEW')])).toBe('REVIEW');
    expect(decisionOf([rule('STEP_UP'), rule('REVIEW'), rule('BLOCK')])).toBe('BLOCK');
    expect(decisionOf([rule('BLOCK'), rule('STEP_UP')])).toBe('BLOCK');
  });

  it('a STEP_UP rule that misses, or only shadows, decides nothing', () => {
    expect(decisionOf([rule('STEP_UP', { hits: false })])).toBe('PASS');
    expect(decisionOf([rule('STEP_UP', { shadow: true })])).toBe('PASS');
  });

  it('without a step-up threshold, no score alone asks for a confirmation', () => {
    expect(decisionOf([rule('SCORE', { score: 49 })])).toBe('PASS');
    expect(decisionOf([rule('SCORE', { score: 50 })])).toBe('REVIEW');
  });

  it('with a step-up threshold, a score from it up to the review threshold steps up', () => {
    const stepUpAt30 = { stepUpThreshold: 30 };
    expect(decisionOf([rule('SCORE', { score: 29 })], stepUpAt30)).toBe('PASS');
    expect(decisionOf([rule('SCORE', { score: 30 })], stepUpAt30)).toBe('STEP_UP');
    expect(decisionOf([rule('SCORE', { score: 50 })], stepUpAt30)).toBe('REVIEW');
    expect(decisionOf([rule('SCORE', { score: 100 })], stepUpAt30)).toBe('BLOCK');
    // The anomaly part counts toward it as toward the other thresholds: 40 × 0.8 = 32.
    expect(decisionOf([], stepUpAt30, 0.8)).toBe('STEP_UP');
  });
});
