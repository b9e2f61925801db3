/**
 * Why a use case refused a request, in terms a client can act on. The API's error middleware turns
 * each kind into a status and `type` into the problem document's stable type.
 */
export type RefusalKind =
  'invalid' | 'unprocessable' | 'unauthorized' | 'forbidden' | 'not-found' | 'conflict' | 'locked' | 'unavailable';

export class RequestRefused extends Error {
  constructor(
    readonly kind: RefusalKind,
    readonly type: string,
    message: string,
    /** The request field at fault, e.g. `amount` or the `Idempotency-Key` header. */
    readonly field?: string,
    /** Figures the client acts on, added to the problem document (e.g. `triesLeft`). */
    readonly extensions?: Record<string, number>,
  ) {
    super(message);
    this.name = 'RequestRefused';
  }
}
