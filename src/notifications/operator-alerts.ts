import type { Config } from '../config';
import type { SlackSender } from '../dependencies';
import { remittanceWorkflowId } from '../domain/remittance';
import { transferWorkflowId, workflowUiLink } from '../domain/temporal';

export interface OperatorAlert {
  /** One line an operator reads first. */
  title: string;
  transferId?: string;
  /** A remittance's alert names it instead of a transfer. */
  remittanceId?: string;
  fields: Record<string, string | number | undefined>;
}

/** A field longer than this is cut: a memo or a record must not flood the channel. */
const MAX_FIELD_LENGTH = 200;

/**
 * Text from transfers and records as Slack shows it literally: `&`, `<` and `>` escaped, so a memo cannot
 * post a link or `<!channel>`, and cut to {@link MAX_FIELD_LENGTH}.
 */
export function slackText(value: string | number): string {
  const text = String(value);
  const cut = text.length > MAX_FIELD_LENGTH ? `${text.slice(0, MAX_FIELD_LENGTH - 1)}…` : text;
  return cut.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Posts one alert to the operators' Slack: a header, the fields as readable lines, and a Web UI
 * link. The one format for every alert, whether a workflow or a consumer raises it. Every value is
 * escaped ({@link slackText}); only the link is ours to format.
 */
export async function sendOperatorAlert(slack: SlackSender, config: Config, alert: OperatorAlert): Promise<void> {
  const lines = Object.entries(alert.fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `*${slackText(name)}:* ${slackText(value as string | number)}`);
  const subject = alert.transferId ?? alert.remittanceId;
  const workflowId = alert.transferId
    ? transferWorkflowId(alert.transferId)
    : alert.remittanceId && remittanceWorkflowId(alert.remittanceId);
  if (workflowId) lines.push(`<${workflowUiLink(config.temporal, workflowId)}|Open in Temporal Web UI>`);
  const title = slackText(alert.title);
  await slack.send({
    text: `${title}${subject ? ` — ${slackText(subject)}` : ''}`,
    blocks: [
      // plain_text is never parsed for links or mentions; it is cut all the same.
      { type: 'header', text: { type: 'plain_text', text: String(alert.title).slice(0, MAX_FIELD_LENGTH) } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    ],
  });
}
