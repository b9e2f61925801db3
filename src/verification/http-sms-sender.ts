/** An SMS gateway reached over HTTP, speaking the contract of docs/sms-gateway-api.md. */

import { parseJson } from '../wire';

import {
  messageAcceptedSchema,
  type MessageRequest,
  referenceSchema,
  SMS_IDEMPOTENCY_HEADER,
  smsErrorSchema,
} from './sms-wire';
import {
  maskedNumber,
  SenderRefusedError,
  SenderUnavailableError,
  type VerificationMessage,
  type VerificationSender,
} from './verification-sender';

export interface HttpSmsSenderOptions {
  /** The gateway's base URL, without the `/v1`. */
  url: string;
  apiKey: string;
  /** Who the message is from on the handset: SMS_SENDER_ID. */
  from: string;
  /** For the request, body included. */
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** Runs of this many digits of a message's text are taken out of what the gateway says: one could be its code. */
const SCRUBBED_DIGIT_RUN = 4;

export class HttpSmsSender implements VerificationSender {
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HttpSmsSenderOptions) {
    this.endpoint = `${options.url.replace(/\/+$/, '')}/v1/messages`;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * Posts the message with its reference as the Idempotency-Key, so sending it again after a timeout or a
   * crash texts nothing new. No error says the text.
   * @throws SenderUnavailableError when it is worth sending the same message again later.
   * @throws SenderRefusedError when sending it again will not help.
   */
  async send(message: VerificationMessage): Promise<{ messageId: string }> {
    const what = `message ${message.reference} to ${maskedNumber(message.to)}`;
    // Checked here: fetch would throw on a header it cannot send, and that must not pass for an outage.
    if (!referenceSchema.safeParse(message.reference).success) {
      throw new SenderRefusedError(`not sent: ${what} has a reference that cannot be an ${SMS_IDEMPOTENCY_HEADER}`);
    }
    const body: MessageRequest = {
      to: message.to,
      from: this.options.from,
      text: message.text,
      reference: message.reference,
    };
    let status: number;
    let answer: string;
    try {
      const response = await this.fetch(this.endpoint, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          [SMS_IDEMPOTENCY_HEADER]: message.reference,
          accept: 'application/json',
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
        // A redirect is not part of the contract; it would carry the api key and the code somewhere else.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = response.status;
      answer = await response.text();
    } catch (error) {
      // By name: fetch's DOMException may come from another realm (jest's sandbox, for one).
      const reason = nameOf(error) === 'TimeoutError' ? 'timed out' : 'could not be reached';
      throw new SenderUnavailableError(`the SMS gateway ${reason} (${what})`, { cause: error });
    }
    return this.accepted(status, answer, what, message);
  }

  /** The message id of a 2xx; the typed error every other status stands for. */
  private accepted(status: number, answer: string, what: string, message: VerificationMessage): { messageId: string } {
    if (status >= 300 && status < 400) {
      throw new SenderUnavailableError(`the SMS gateway redirected ${what} (${status}), which is not followed`);
    }
    if (status < 200 || status >= 300) {
      const detail = errorDetail(answer, message);
      if (status >= 400 && status < 500 && status !== 429) {
        throw new SenderRefusedError(`the SMS gateway refused ${what}: ${status} ${detail}`, status);
      }
      throw new SenderUnavailableError(`the SMS gateway answered ${what} with ${status} ${detail}`);
    }
    const parsed = parseJson(answer, messageAcceptedSchema);
    if (!parsed.success) {
      throw new SenderUnavailableError(`the SMS gateway answered ${what} with a malformed body (${parsed.problem})`);
    }
    return { messageId: parsed.data.messageId };
  }
}

/**
 * What the gateway said went wrong, for an error message: its `error` (and `field`), else the start of the
 * body. A gateway may echo what it was sent, so the text, the digit runs it holds and the full number are
 * taken out before anything is cut short (a cut could leave part of a code behind).
 */
function errorDetail(body: string, { text, to }: VerificationMessage): string {
  const parsed = parseJson(body, smsErrorSchema);
  const said = parsed.success
    ? `${parsed.data.error}${parsed.data.field === undefined ? '' : ` (field ${parsed.data.field})`}`
    : body;
  const digitRuns = text.match(new RegExp(`\\d{${SCRUBBED_DIGIT_RUN},}`, 'g')) ?? [];
  let scrubbed = replaceAll(replaceAll(said, text, '[text]'), to, maskedNumber(to));
  for (const run of digitRuns) scrubbed = replaceAll(scrubbed, run, '…');
  return scrubbed.replace(/\s+/g, ' ').trim().slice(0, 200);
}

function replaceAll(haystack: string, needle: string, replacement: string): string {
  return needle === '' ? haystack : haystack.split(needle).join(replacement);
}

function nameOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
}
