import { Context } from '@temporalio/activity';

import type { ConfirmationEnding, IssuedCode } from '../domain/confirmation';
import { ErrorType } from '../domain/errors';
import type { ServiceMetrics } from '../service-metrics';
import type { ConfirmationCodes } from '../verification/confirmation-codes';
import { confirmationText, hashCode, newCode } from '../verification/one-time-code';
import { SenderRefusedError, type VerificationSender } from '../verification/verification-sender';
import { finalFailure } from './failures';

/** One-time codes of step-up confirmations: sent through the SMS gateway, kept as keyed hashes. */
export function createConfirmationActivities({
  codes,
  sender,
  codeSecret,
  serviceMetrics,
}: {
  codes: ConfirmationCodes;
  sender: VerificationSender;
  codeSecret: string;
  serviceMetrics: ServiceMetrics;
}) {
  return {
    /**
     * Sends the sender code number `attempt` of a transfer and answers its hash; the code itself leaves
     * only in the SMS. A retry after the send succeeded answers the code already sent; a retry after a
     * send that may not have gone out sends a new code under a new gateway reference, and the hash of the
     * earlier one is replaced, so only the last code sent works.
     */
    async sendConfirmationCode({
      transferId,
      attempt,
      ttlMs,
    }: {
      transferId: string;
      attempt: number;
      ttlMs: number;
    }): Promise<IssuedCode> {
      const sent = await codes.findSent(transferId, attempt);
      if (sent) return sent;
      const recipient = await codes.recipient(transferId);
      if (!recipient?.phone) {
        throw finalFailure(ErrorType.CodeNotSent, `the sending account of transfer ${transferId} has no phone on file`);
      }
      const code = newCode();
      await codes.prepare(transferId, attempt, hashCode(codeSecret, transferId, code), ttlMs);
      try {
        const { messageId } = await sender.send({
          to: recipient.phone,
          text: confirmationText(code, recipient.amount, recipient.currency, ttlMs),
          reference: `${transferId}:code:${attempt}:${Context.current().info.attempt}`,
        });
        return await codes.markSent(transferId, attempt, messageId, ttlMs);
      } catch (error) {
        if (error instanceof SenderRefusedError) throw finalFailure(ErrorType.CodeNotSent, error.message);
        // Unavailable, or anything else: worth another attempt.
        throw error;
      }
    },

    /** Records how the confirmation ended (transfer.approved for a right code); the first record stays. */
    async recordConfirmation({ transferId, end, by }: { transferId: string } & ConfirmationEnding): Promise<void> {
      if (await codes.recordEnd(transferId, end, by ?? null)) serviceMetrics.confirmations.inc({ outcome: end });
    },
  };
}
