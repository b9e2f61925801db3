/**
 * Sends the one-time code of a step-up confirmation to the sender's phone. The code is a credential, so the
 * text of a message is never put in an error, a log line or a metric: failures name the reference and a
 * masked number instead. The contract the HTTP implementation speaks is docs/sms-gateway-api.md.
 */

export interface VerificationMessage {
  /** An E.164 phone number, e.g. +821012345678. */
  to: string;
  /** What the recipient reads. It holds the code: never logged, never part of an error. */
  text: string;
  /**
   * The idempotency key, `${transferId}:code:${attempt}`: the same reference sends one message however often
   * it is sent, so a retried send never texts the code twice, and each resend has an attempt of its own.
   */
  reference: string;
}

export interface VerificationSender {
  /**
   * Hands the message to the gateway, once per reference.
   * @throws SenderUnavailableError when it is worth sending the same message again later.
   * @throws SenderRefusedError when sending it again will not help.
   */
  send(message: VerificationMessage): Promise<{ messageId: string }>;
}

/**
 * The gateway could not be reached, did not answer in time, redirected, answered 5xx or 429, or answered
 * something that is not the contract: whether the message went out is unknown, and the same reference may be
 * sent again.
 */
export class SenderUnavailableError extends Error {
  override readonly name = 'SenderUnavailableError';
}

/** The gateway refused the message itself (a 4xx other than 429: a bad number, a wrong key): do not retry. */
export class SenderRefusedError extends Error {
  override readonly name = 'SenderRefusedError';
  /**
   * @param status - the gateway's HTTP status; absent when the message was refused before it was sent.
   */
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * A phone number as logs and errors show it, `+82…78`: enough to tell two recipients apart, too little to
 * text one.
 */
export function maskedNumber(phone: string): string {
  return phone.length > 6 ? `${phone.slice(0, 3)}…${phone.slice(-2)}` : '…';
}
