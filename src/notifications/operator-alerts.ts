import type { Config } from '../config';
import type { SlackSender } from '../dependencies';
import { temporalUiLink } from '../domain/temporal';

export interface OperatorAlert {
  /** One line an operator reads first. */
  title: string;
  transferId?: string;
  fields: Record<string, string | number | undefined>;
}

/**
 * Posts one alert to the operators' Slack: a header, the fields as readable lines, and a Web UI
 * link. The one format for every alert, whether a workflow or a consumer raises it.
 */
export async function sendOperatorAlert(slack: SlackSender, config: Config, alert: OperatorAlert): Promise<void> {
  const lines = Object.entries(alert.fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `*${name}:* ${value}`);
  if (alert.transferId) lines.push(`<${temporalUiLink(config.temporal, alert.transferId)}|Open in Temporal Web UI>`);
  await slack.send({
    text: `${alert.title}${alert.transferId ? ` — ${alert.transferId}` : ''}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: alert.title } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    ],
  });
}
