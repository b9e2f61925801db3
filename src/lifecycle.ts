/**
 * What every process of the service (api, worker, relay, consumers) hands back once started. Its own
 * module, importing nothing, so that each process can name it without importing the others.
 */
export interface RunningProcess {
  /** Stops taking new work, finishes what is in flight, and returns. */
  stop(): Promise<void>;
}
