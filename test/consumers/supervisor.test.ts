/** @isolated no service */
import { EventEmitter } from 'node:events';

import type { Consumer } from 'kafkajs';

import { superviseConsumer } from '../../src/consumers/runner';

/** A kafkajs consumer as the supervisor sees it: crash events and disconnect. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  const consumer = {
    events: { CRASH: 'consumer.crash' },
    on: (event: string, listener: (event: unknown) => void) => emitter.on(event, listener),
    disconnect: jest.fn(async () => undefined),
    crash: (restart: boolean) =>
      emitter.emit('consumer.crash', { payload: { error: new Error('broker gone'), restart } }),
  };
  return consumer as unknown as Consumer & typeof consumer;
}

const quiet = { info: jest.fn(), warn: jest.fn() };
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((wake) => setTimeout(wake, 5));
};

describe('the consumer supervisor', () => {
  it('when kafkajs gives a consumer up for good, starts a new one, retrying a start that fails', async () => {
    const first = fakeConsumer();
    const created: Array<ReturnType<typeof fakeConsumer>> = [];
    const run = jest.fn(async () => {
      if (run.mock.calls.length === 1) throw new Error('Kafka still down');
    });
    const supervised = superviseConsumer(
      first,
      () => (created.push(fakeConsumer()), created.at(-1) as Consumer),
      run,
      quiet,
      { first: 10, last: 40 },
    );

    first.crash(false);
    await until(() => run.mock.calls.length === 2);
    await supervised.stop();

    expect(first.disconnect).toHaveBeenCalled();
    expect(created).toHaveLength(2);
    // The start that failed was let go; the one that ran is the one stopped.
    expect(created[0]?.disconnect).toHaveBeenCalled();
    expect(created[1]?.disconnect).toHaveBeenCalledTimes(1);
  });

  it('leaves a crash that kafkajs restarts itself alone', async () => {
    const first = fakeConsumer();
    const createConsumer = jest.fn(() => fakeConsumer() as Consumer);
    const supervised = superviseConsumer(first, createConsumer, jest.fn(), quiet, { first: 10, last: 40 });

    first.crash(true);
    await new Promise((wake) => setTimeout(wake, 50));
    await supervised.stop();

    expect(createConsumer).not.toHaveBeenCalled();
    expect(first.disconnect).toHaveBeenCalledTimes(1);
  });
});
