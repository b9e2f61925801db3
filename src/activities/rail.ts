import { ErrorType } from '../domain/errors';
import type { RailResult, RemittanceSagaInput } from '../domain/remittance';
import {
  type PaymentRail,
  type RailAnswer,
  type RailInstructionType,
  RailRequestRefusedError,
} from '../rails/payment-rail';
import type { RemittanceLedger } from '../remittances/remittance-ledger';
import { finalFailure } from './failures';

export interface InstructRequest {
  input: RemittanceSagaInput;
  type: RailInstructionType;
  key: string;
}

/**
 * The bank rail, as regular activities (an external call, slow and fallible). An instruction is recorded
 * before it is sent, so a callback that overtakes the rail's answer finds it; it always goes with the
 * same key, so a retry is the same instruction at the rail.
 */
export function createRailActivities({ rail, remittances }: { rail: PaymentRail; remittances: RemittanceLedger }) {
  async function noteAnswer(answer: RailAnswer): Promise<void> {
    await remittances.noteInstruction(answer.key, rail.name, answer);
  }

  return {
    /** Sends a collect, payout or refund instruction; answers what the rail said (PENDING until it calls back). */
    async instructRail({ input, type, key }: InstructRequest): Promise<RailAnswer> {
      await remittances.recordInstruction({ key, rail: rail.name, remittanceId: input.remittanceId, type });
      // A collect pulls from A; a payout pays B; a refund gives A's money back.
      const account = type === 'payout' ? input.toBusiness : input.fromBusiness;
      const instruction = { key, account, amount: input.amount, currency: input.currency, reference: input.reference };
      try {
        const answer = await rail[type](instruction);
        await noteAnswer(answer);
        return answer;
      } catch (error) {
        if (error instanceof RailRequestRefusedError) throw finalFailure(ErrorType.RailRefusedRequest, error.message);
        throw error;
      }
    },

    /**
     * Asks the rail what became of an instruction whose callback is late. Answers its outcome, `PENDING`
     * while the bank has none, or `UNKNOWN` when the rail never received it.
     */
    async railInstructionStatus(key: string): Promise<RailResult | { key: string; status: 'PENDING' | 'UNKNOWN' }> {
      const answer = await rail.status(key);
      if (answer === undefined) return { key, status: 'UNKNOWN' };
      await noteAnswer(answer);
      if (answer.status === 'PENDING') return { key, status: 'PENDING' };
      return { key, status: answer.status, ...(answer.reason ? { reason: answer.reason } : {}) };
    },
  };
}
