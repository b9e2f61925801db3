/**
 * Polls `probe` every 250 ms until it answers something other than undefined, and returns that answer;
 * fails after `timeoutMs`, naming `what` did not happen when given.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what?: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await probe();
    if (answer !== undefined) return answer;
    if (Date.now() > deadline) {
      throw new Error(what ? `${what} did not happen within ${timeoutMs} ms` : `nothing came within ${timeoutMs} ms`);
    }
    await new Promise((wake) => setTimeout(wake, 250));
  }
}
