/**
 * Failure types activities raise (as `ApplicationFailure.type`) and workflows branch on. Strings,
 * not class names, so they survive serialisation and refactoring alike.
 */
export const ErrorType = {
  InsufficientFunds: 'InsufficientFunds',
  AccountNotFound: 'AccountNotFound',
  AccountClosed: 'AccountClosed',
  CurrencyMismatch: 'CurrencyMismatch',
  /** PostgreSQL and the saga disagree in a way no retry can fix (e.g. settling a finished transfer). */
  InvalidTransition: 'InvalidTransition',
  /**
   * An event its schema refuses (a producer bug). Retryable on purpose: publishEvent retries until
   * done, so a saga waits at that step until a fixed schema or publisher is deployed, instead of
   * failing a transfer — or skipping its repair — over an event.
   */
  InvalidEvent: 'InvalidEvent',
  /** A bank rail refused the request itself (4xx): sending it again cannot help. */
  RailRefusedRequest: 'RailRefusedRequest',
  /** The platform account cannot take a remittance leg (closed, or short): retried, then a failure record. */
  PlatformAccountRefused: 'PlatformAccountRefused',
  /** The SMS gateway refused a confirmation code (e.g. the number), or the sender has no phone: final. */
  CodeNotSent: 'CodeNotSent',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** A transfer that fails with one of these never moved money: it ends DECLINED. */
export const DECLINE_ERRORS: readonly ErrorType[] = [
  ErrorType.InsufficientFunds,
  ErrorType.AccountNotFound,
  ErrorType.AccountClosed,
  ErrorType.CurrencyMismatch,
];

export const NON_RETRYABLE_ERRORS: string[] = [
  ...DECLINE_ERRORS,
  ErrorType.InvalidTransition,
  ErrorType.RailRefusedRequest,
  ErrorType.CodeNotSent,
];
