import { Counter, Histogram, type Registry } from 'prom-client';

import type { TransferStatus } from './domain/transfer';

/**
 * The business figures an on-call engineer reads first, counted where each thing happens (the API, the
 * worker's steps, the consumers) and served by every process on its admin port. Labels are low
 * cardinality by rule: a status, a decision, a topic, never an account or transfer id.
 */
export interface ServiceMetrics {
  transfersSubmitted: Counter;
  /** A submission answered from its Idempotency-Key: the same transfer again, nothing new started. */
  idempotentReplays: Counter;
  /** Transfers reaching a terminal status, counted by the step that committed it, once. */
  transfersEnded: Counter<'status'>;
  /** Submission to terminal status, by that status. */
  transferDuration: Histogram<'status'>;
  riskDecisions: Counter<'decision'>;
  /** How step-up confirmations ended: CONFIRMED, DECLINED, CANCELLED, TOO_MANY_WRONG_CODES, EXPIRED, NOT_SENT. */
  confirmations: Counter<'outcome'>;
  riskEvaluation: Histogram;
  deadLettered: Counter<'topic'>;
  slackAlerts: Counter<'outcome'>;
  reconcileDrift: Counter<'kind'>;
  /** One outbox batch sent by the relay until Kafka acknowledged it (acks=all). */
  relayPublish: Histogram;
  remittancesSubmitted: Counter;
  /** Each rail callback by what it did: applied, duplicate, contradicts, refused-signature, … */
  railCallbacks: Counter<'outcome'>;
}

export function createServiceMetrics(registry: Registry): ServiceMetrics {
  const registers = [registry];
  return {
    remittancesSubmitted: new Counter({
      name: 'transfer_saga_remittances_submitted_total',
      help: 'Business remittances accepted by POST /v1/remittances (a saga started)',
      registers,
    }),
    railCallbacks: new Counter({
      name: 'transfer_saga_rail_callbacks_total',
      help: 'Bank rail callbacks received, by outcome (applied, duplicate, progress, late, contradicts, unknown-reference, refused-*)',
      labelNames: ['outcome'],
      registers,
    }),
    transfersSubmitted: new Counter({
      name: 'transfer_saga_transfers_submitted_total',
      help: 'Transfers accepted by POST /v1/transfers (a saga started)',
      registers,
    }),
    idempotentReplays: new Counter({
      name: 'transfer_saga_transfer_idempotent_replays_total',
      help: 'Submissions answered with an existing transfer because their Idempotency-Key was seen',
      registers,
    }),
    transfersEnded: new Counter({
      name: 'transfer_saga_transfers_terminal_total',
      help: 'Transfers reaching a terminal status, by status',
      labelNames: ['status'],
      registers,
    }),
    transferDuration: new Histogram({
      name: 'transfer_saga_transfer_duration_seconds',
      help: 'Submission to terminal status, by status (reviews and step-ups included)',
      labelNames: ['status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 86_400],
      registers,
    }),
    riskDecisions: new Counter({
      name: 'transfer_saga_risk_decisions_total',
      help: 'Risk decisions, by decision (PASS, REVIEW, STEP_UP, BLOCK)',
      labelNames: ['decision'],
      registers,
    }),
    confirmations: new Counter({
      name: 'transfer_saga_confirmations_total',
      help: 'Step-up confirmations ended, by outcome (CONFIRMED, DECLINED, CANCELLED, TOO_MANY_WRONG_CODES, EXPIRED, NOT_SENT)',
      labelNames: ['outcome'],
      registers,
    }),
    riskEvaluation: new Histogram({
      name: 'transfer_saga_risk_evaluation_seconds',
      help: 'How long one risk evaluation took (rules, velocity, anomaly, its log)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    deadLettered: new Counter({
      name: 'transfer_saga_dead_letters_total',
      help: 'Kafka records a consumer sent to the dead-letter topic, by original topic',
      labelNames: ['topic'],
      registers,
    }),
    slackAlerts: new Counter({
      name: 'transfer_saga_slack_alerts_total',
      help: 'Operator alerts sent to Slack, by outcome (sent, failed)',
      labelNames: ['outcome'],
      registers,
    }),
    reconcileDrift: new Counter({
      name: 'transfer_saga_reconcile_drift_total',
      help: 'Drift reconcile found and handed to a repair, by kind (orphan-hold, account)',
      labelNames: ['kind'],
      registers,
    }),
    relayPublish: new Histogram({
      name: 'transfer_saga_relay_publish_seconds',
      help: 'How long the outbox relay took to publish one batch until Kafka acknowledged it (refused batches left out)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

/** Records a transfer reaching `status`, with its time since submission when the caller knows it. */
export function countTerminal(metrics: ServiceMetrics, status: TransferStatus, submittedAt?: string): void {
  metrics.transfersEnded.inc({ status });
  const since = submittedAt === undefined ? Number.NaN : Date.parse(submittedAt);
  if (Number.isFinite(since)) metrics.transferDuration.observe({ status }, Math.max(0, (Date.now() - since) / 1000));
}
