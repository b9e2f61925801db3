import type { Config } from '../config';
import type { DeviceContext, RiskDecision, RuleHit, TransferSagaInput } from '../domain/transfer';
import type { AnomalyModel } from './anomaly';
import { evaluateCondition } from './condition-evaluator';
import { parseCondition, type RiskFacts } from './conditions';
import type { IpLocator } from './ip-location';
import type { GatheredFacts, RedisRiskState } from './redis-risk-state';
import type { RiskEvaluation, RuleOutcome } from './risk-log';
import type { RuleStore } from './rule-store';
import type { CompiledRule, Rule, RuleAction } from './rules';

/** How often a worker asks PostgreSQL whether Redis missed a rule-set publication. */
const PUBLICATION_CHECK_MS = 1000;

/**
 * Rules + velocity + anomaly score → one decision. One Redis round trip gathers the facts and says
 * which rule-set version they belong to; the compiled set is cached per version, so a rule change
 * applies from the next evaluation and no evaluation mixes two versions.
 *
 * The combined score is Σ score of the deciding (non-shadow) rules that hit + anomalyWeight × the
 * anomaly score. BLOCK when a deciding BLOCK rule hits or the score reaches blockThreshold; REVIEW
 * when a deciding REVIEW rule hits or the score reaches reviewThreshold; STEP_UP when a deciding
 * STEP_UP rule hits or the score reaches stepUpThreshold (when one is set); PASS otherwise.
 *
 * Where the transfer was made is the device's reported location when it sent one, else its IP's
 * (from the offline {@link IpLocator}); the country is only ever the IP's. Every transfer with an IP is
 * located, whatever the rules read, so a dry run of a future country or travel rule has the facts.
 */
export class RiskEngine {
  private cached: { version: number; rules: CompiledRule[] } = { version: -1, rules: [] };
  private lastPublicationCheck = 0;

  constructor(
    private readonly state: RedisRiskState,
    private readonly ruleStore: RuleStore,
    private readonly model: AnomalyModel,
    private readonly settings: Config['risk'],
    private readonly ipLocator: IpLocator,
  ) {}

  async evaluate(transfer: TransferSagaInput): Promise<RiskEvaluation> {
    await this.catchUpPublication();
    const eventTimeMs = Date.parse(transfer.submittedAt);
    const place = placeOf(transfer.context, this.ipLocator);
    const deviceId = transfer.context?.deviceId;
    const gathered = await this.gather(transfer, eventTimeMs, place.location, deviceId);
    if (gathered.rulesJson !== undefined)
      this.cached = { version: gathered.version, rules: compile(gathered.rulesJson) };

    const anomaly = await this.model.score({
      amount: transfer.amount,
      eventTimeMs,
      newReceiver: gathered.newReceiver,
      history: gathered.history,
    });
    const facts: RiskFacts = {
      amount: transfer.amount,
      currency: transfer.currency,
      fromAccountId: transfer.fromAccountId,
      toAccountId: transfer.toAccountId,
      eventTime: transfer.submittedAt,
      velocity: gathered.velocity,
      dailyTotal: gathered.dailyTotal,
      newReceiver: gathered.newReceiver,
      anomalyScore: anomaly.score,
      ...place,
      ...(gathered.previousLocation ? { previousLocation: gathered.previousLocation } : {}),
      ...(deviceId === undefined ? {} : { deviceId }),
      ...(gathered.deviceLastSeenMs === undefined ? {} : { deviceLastSeenMs: gathered.deviceLastSeenMs }),
    };

    const judged = judge(this.cached.rules, facts, anomaly.reason, this.settings);
    return {
      assessment: {
        decision: judged.decision,
        score: judged.score,
        reasons: judged.reasons,
        anomalyScore: anomaly.score,
        ruleSetVersion: String(gathered.version),
        modelVersion: anomaly.modelVersion,
        hits: judged.hits,
      },
      anomalyReason: anomaly.reason,
      outcomes: judged.outcomes,
      facts,
    };
  }

  /** Gathers facts; a rule set Redis lost (or never had) is published from PostgreSQL first. */
  private async gather(
    transfer: TransferSagaInput,
    eventTimeMs: number,
    location: RiskFacts['location'],
    deviceId: string | undefined,
  ): Promise<Extract<GatheredFacts, { ruleSet: 'PUBLISHED' }>> {
    const request = { ...transfer, eventTimeMs, cachedVersion: this.cached.version, location, deviceId };
    const gathered = await this.state.gather(request);
    if (gathered.ruleSet === 'PUBLISHED') return gathered;
    await this.ruleStore.publish();
    const retried = await this.state.gather(request);
    if (retried.ruleSet === 'MISSING') throw new Error('the rule set vanished from Redis right after publication');
    return retried;
  }

  /**
   * A rule write that committed but failed to publish (its API process died in between) would
   * otherwise stay invisible; once a second, compare with PostgreSQL and publish what Redis lacks.
   * Redis ahead of PostgreSQL means PostgreSQL was restored: PostgreSQL is the truth, so it wins.
   */
  private async catchUpPublication(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPublicationCheck < PUBLICATION_CHECK_MS) return;
    this.lastPublicationCheck = now;
    const [stored, published] = await Promise.all([this.ruleStore.version(), this.state.publishedVersion()]);
    if (published !== undefined && published !== stored) await this.ruleStore.publish(published > stored);
  }
}

type PlaceFacts = Pick<RiskFacts, 'location' | 'locationSource' | 'country'>;

/** The transfer's location (the device's wins over the IP's) and its IP's country, each only when known. */
function placeOf(context: DeviceContext | undefined, ipLocator: IpLocator): PlaceFacts {
  const fromIp = context?.ip === undefined ? undefined : ipLocator.locate(context.ip);
  const country = fromIp?.country === undefined ? {} : { country: fromIp.country };
  if (context?.location) {
    const { lat, lon } = context.location;
    return { location: { lat, lon }, locationSource: 'device', ...country };
  }
  if (fromIp) return { location: { lat: fromIp.lat, lon: fromIp.lon }, locationSource: 'ip', ...country };
  return {};
}

/** What a rule set decides on one transfer's facts: the live path, and a draft's dry run over recorded facts. */
export interface Judgement {
  decision: RiskDecision;
  score: number;
  reasons: string[];
  hits: RuleHit[];
  outcomes: RuleOutcome[];
}

export function judge(
  rules: readonly CompiledRule[],
  facts: RiskFacts,
  anomalyReason: string,
  settings: Config['risk'],
): Judgement {
  const outcomes: RuleOutcome[] = [];
  const deciding: CompiledRule[] = [];
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const { hit, reason } = evaluateCondition(rule.compiled, facts);
    outcomes.push({ ruleId: rule.ruleId, version: rule.version, hit, shadow: rule.shadow, score: rule.score, reason });
    if (hit && !rule.shadow) deciding.push(rule);
  }
  const anomalyPart = round(settings.anomalyWeight * facts.anomalyScore);
  const score = round(deciding.reduce((total, rule) => total + rule.score, 0) + anomalyPart);
  const hits: RuleHit[] = outcomes
    .filter((outcome) => outcome.hit)
    .map(({ ruleId, version, score: ruleScore, shadow, reason }) => ({
      ruleId,
      version,
      score: ruleScore,
      shadow,
      reason,
    }));
  const reasons = hits.filter((hit) => !hit.shadow).map((hit) => `${hit.ruleId}: ${hit.reason}`);
  if (anomalyPart > 0) reasons.push(`anomaly ${facts.anomalyScore} (${anomalyReason})`);
  return { decision: decide(score, deciding, settings), score, reasons, hits, outcomes };
}

function compile(rulesJson: string): CompiledRule[] {
  return compileRules(JSON.parse(rulesJson) as Rule[]);
}

export function compileRules(rules: readonly Rule[]): CompiledRule[] {
  return rules.map((rule) => {
    const parsed = parseCondition(rule.condition);
    // Conditions are validated before they are stored; one that no longer parses is a code change
    // that broke the language, and must not silently stop a rule from firing.
    if (!parsed.ok) throw new Error(`rule ${rule.ruleId} v${rule.version}: ${parsed.path} ${parsed.message}`);
    return { ...rule, compiled: parsed.condition };
  });
}

/** The strongest of what the score reaches and what the deciding rules force: BLOCK > REVIEW > STEP_UP > PASS. */
function decide(score: number, deciding: CompiledRule[], thresholds: Config['risk']): RiskDecision {
  const forces = (action: RuleAction) => deciding.some((rule) => rule.action === action);
  if (score >= thresholds.blockThreshold || forces('BLOCK')) return 'BLOCK';
  if (score >= thresholds.reviewThreshold || forces('REVIEW')) return 'REVIEW';
  const { stepUpThreshold } = thresholds;
  if ((stepUpThreshold !== undefined && score >= stepUpThreshold) || forces('STEP_UP')) return 'STEP_UP';
  return 'PASS';
}

const round = (value: number): number => Math.round(value * 10_000) / 10_000;
