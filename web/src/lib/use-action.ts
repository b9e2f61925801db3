import { useState } from 'react';

/**
 * One action a page lets an operator take: whether it is under way, and the server's refusal of the
 * last one (shown in a RefusalRegion). `run` answers the action's result, or undefined when it was
 * refused; `settled` runs after either, e.g. to reload what the action changed.
 */
export function useAction(settled?: () => void) {
  const [refusal, setRefusal] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function run<T>(work: () => Promise<T>): Promise<T | undefined> {
    setBusy(true);
    setRefusal(null);
    try {
      return await work();
    } catch (error) {
      setRefusal(error);
      return undefined;
    } finally {
      setBusy(false);
      settled?.();
    }
  }

  return { refusal, busy, run };
}
