import type { Dependencies } from '../dependencies';
import type { EventEnvelope } from '../domain/events';
import { sendOperatorAlert } from '../notifications/operator-alerts';
import type { ConsumerSpec } from './runner';

/**
 * transfer.flagged (REVIEW and BLOCK) and transfer.failed with status FAILED → a Slack alert with
 * amount, accounts, decision, reasons and a Web UI link. Its own group: a Slack outage delays alerts
 * (retried, then dead-lettered for replay) but never the live feed, and never money or a saga.
 */
export function slackAlertsConsumer({
  slack,
  config,
}: Pick<Dependencies, 'slack' | 'config'>): ConsumerSpec<'transfer.flagged' | 'transfer.failed'> {
  return {
    group: 'transfer-saga.slack-alerts',
    topics: ['transfer.flagged', 'transfer.failed'],
    attempts: 3,
    backoffMs: 1000,
    handle: async (event) => {
      const alert = alertFor(event);
      if (alert) await sendOperatorAlert(slack, config, alert);
    },
  };
}

function alertFor(event: EventEnvelope) {
  const parties = (data: { fromAccountId: string; toAccountId: string; amount: number }) => ({
    amount: data.amount,
    from: data.fromAccountId,
    to: data.toAccountId,
  });
  if (event.type === 'transfer.flagged') {
    const { data } = event;
    return {
      title: data.decision === 'BLOCK' ? 'Transfer BLOCKED by risk' : 'Transfer needs review',
      transferId: event.transferId,
      fields: {
        ...parties(data),
        decision: data.decision,
        score: data.score,
        reasons: data.reasons.join('; ') || undefined,
      },
    };
  }
  if (event.type === 'transfer.failed') {
    const { data } = event;
    if (data.status !== 'FAILED') return undefined;
    return {
      title: 'Transfer FAILED',
      transferId: event.transferId,
      fields: { ...parties(data), reason: data.reason },
    };
  }
  return undefined;
}
