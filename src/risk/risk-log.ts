import type { Pool, PoolClient } from 'pg';

import type { RiskAssessment, RiskDecision } from '../domain/transfer';
import type { RiskFacts } from './conditions';

/** One rule's part in an evaluation, hit or not: a row of risk_rule_hits. */
export interface RuleOutcome {
  ruleId: string;
  version: number;
  hit: boolean;
  shadow: boolean;
  score: number;
  reason: string;
}

/** A whole evaluation: what the saga gets, plus every rule's outcome and the model's reason. */
export interface RiskEvaluation {
  assessment: RiskAssessment;
  anomalyReason: string;
  outcomes: RuleOutcome[];
  /** What the rules judged, kept so a draft rule can be tried on recent transfers (a dry run). */
  facts: RiskFacts;
}

/** What `GET /v1/transfers/:id/risk` shows: the provenance of one decision. */
export interface RiskRecord {
  transferId: string;
  decision: RiskDecision;
  score: number;
  anomalyScore: number;
  anomalyReason: string | null;
  ruleSetVersion: string;
  modelVersion: string;
  reasons: string[];
  evaluatedAt: string;
  rules: RuleOutcome[];
  /** Where the transfer came from as risk saw it (the facts travel, newDevice and country read); null before facts were kept. */
  place: PlaceFacts | null;
}

/** The device-context facts of an evaluation: never the IP itself, which is not recorded. */
export type PlaceFacts = Pick<
  RiskFacts,
  'location' | 'locationSource' | 'country' | 'previousLocation' | 'deviceId' | 'deviceLastSeenMs'
>;

/** risk_logs and risk_rule_hits: written once per transfer, so a retried evaluation keeps the first. */
export class RiskLog {
  constructor(private readonly pool: Pool) {}

  /**
   * Writes the evaluation in the caller's transaction unless one is recorded; answers whether this call
   * wrote it (false: an earlier attempt did, and its decision stands).
   */
  async insert(client: PoolClient, transferId: string, evaluation: RiskEvaluation): Promise<boolean> {
    const { assessment } = evaluation;
    const { rowCount } = await client.query(
      `INSERT INTO risk_logs (transfer_id, decision, combined_score, anomaly_score, rule_set_version, model_version,
         reasons, anomaly_reason, facts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (transfer_id) DO NOTHING`,
      [
        transferId,
        assessment.decision,
        assessment.score,
        assessment.anomalyScore,
        assessment.ruleSetVersion,
        assessment.modelVersion,
        JSON.stringify(assessment.reasons),
        evaluation.anomalyReason,
        JSON.stringify(evaluation.facts),
      ],
    );
    if (rowCount === 0) return false;
    if (evaluation.outcomes.length === 0) return true;
    const column = <K extends keyof RuleOutcome>(key: K) => evaluation.outcomes.map((outcome) => outcome[key]);
    await client.query(
      `INSERT INTO risk_rule_hits (transfer_id, rule_id, rule_version, hit, shadow, score, reason)
       SELECT $1, * FROM unnest($2::text[], $3::int[], $4::bool[], $5::bool[], $6::float8[], $7::text[])`,
      [
        transferId,
        column('ruleId'),
        column('version'),
        column('hit'),
        column('shadow'),
        column('score'),
        column('reason'),
      ],
    );
    return true;
  }

  /** The recorded decision as the saga sees it, or undefined before the first evaluation. */
  async find(transferId: string): Promise<RiskAssessment | undefined> {
    const record = await this.read(transferId);
    if (!record) return undefined;
    return {
      decision: record.decision,
      score: record.score,
      reasons: record.reasons,
      anomalyScore: record.anomalyScore,
      ruleSetVersion: record.ruleSetVersion,
      modelVersion: record.modelVersion,
      hits: record.rules
        .filter((rule) => rule.hit)
        .map(({ ruleId, version, score, shadow, reason }) => ({ ruleId, version, score, shadow, reason })),
    };
  }

  async read(transferId: string): Promise<RiskRecord | undefined> {
    const { rows } = await this.pool.query<Omit<RiskRecord, 'rules' | 'place'> & { facts: RiskFacts | null }>(
      `SELECT transfer_id AS "transferId", decision, combined_score AS score, anomaly_score AS "anomalyScore",
         anomaly_reason AS "anomalyReason", rule_set_version AS "ruleSetVersion", model_version AS "modelVersion",
         reasons, evaluated_at AS "evaluatedAt", facts
       FROM risk_logs WHERE transfer_id = $1`,
      [transferId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const { facts, ...log } = row;
    const hits = await this.pool.query<RuleOutcome>(
      `SELECT rule_id AS "ruleId", rule_version AS version, hit, shadow, score, reason
       FROM risk_rule_hits WHERE transfer_id = $1 ORDER BY hit DESC, score DESC, rule_id`,
      [transferId],
    );
    return {
      ...log,
      evaluatedAt: new Date(log.evaluatedAt).toISOString(),
      rules: hits.rows,
      place: facts && placeOf(facts),
    };
  }

  /** The latest evaluations that kept their facts, newest first (those from before facts were kept have none). */
  async recentFacts(limit: number): Promise<RecordedFacts[]> {
    const { rows } = await this.pool.query<RecordedFacts & { evaluatedAt: Date }>(
      `SELECT transfer_id AS "transferId", evaluated_at AS "evaluatedAt", decision, anomaly_reason AS "anomalyReason",
         facts
       FROM risk_logs WHERE facts IS NOT NULL ORDER BY evaluated_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({ ...row, evaluatedAt: row.evaluatedAt.toISOString() }));
  }
}

export interface RecordedFacts {
  transferId: string;
  evaluatedAt: string;
  decision: RiskDecision;
  anomalyReason: string | null;
  facts: RiskFacts;
}

function placeOf({ location, locationSource, country, previousLocation, deviceId, deviceLastSeenMs }: RiskFacts) {
  const place: PlaceFacts = { location, locationSource, country, previousLocation, deviceId, deviceLastSeenMs };
  return Object.fromEntries(Object.entries(place).filter(([, value]) => value !== undefined)) as PlaceFacts;
}
