import type { Dependencies } from './dependencies';
import { OutboxStore } from './events/outbox';
import { OutboxRelay } from './events/relay';
import type { RunningRole } from './roles';

/** Publishes the outbox to Kafka; run as many as you like, one leads (see {@link OutboxRelay}). */
export async function startRelay({ config, postgres, events, logger }: Dependencies): Promise<RunningRole> {
  const relay = new OutboxRelay(
    postgres,
    new OutboxStore(postgres),
    events,
    config.outbox,
    logger.child({ role: 'relay' }),
  );
  relay.start();
  logger.info('outbox relay running');
  return { stop: () => relay.stop() };
}
