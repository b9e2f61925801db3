import type { Config } from '../config';
import type { SlackSender } from '../dependencies';
import { type OperatorAlert, sendOperatorAlert } from '../notifications/operator-alerts';

/** Slack for operators. Never touches money: the saga runs it with its own short retry policy. */
export function createNotifyActivities({ slack, config }: { slack: SlackSender; config: Config }) {
  return {
    async alertOperators(alert: OperatorAlert): Promise<void> {
      await sendOperatorAlert(slack, config, alert);
    },
  };
}
