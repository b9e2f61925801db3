import { type ReviewCase } from './api';

/** Whether `reviewer` may work on `item` now: nobody holds it, or they do. */
export const isOpenTo = (item: ReviewCase, reviewer: string): boolean => !item.claim || item.claim.by === reviewer;

/** The oldest case `reviewer` may take after `done`, skipping cases held by others; null when none is left. */
export function nextCase(queue: ReviewCase[], reviewer: string, done: string | null): ReviewCase | null {
  return queue.find((item) => item.transferId !== done && isOpenTo(item, reviewer)) ?? null;
}
