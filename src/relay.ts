import type { Dependencies } from './dependencies';
import { OutboxStore } from './events/outbox';
import { OutboxRelay } from './events/relay';
import type { RunningProcess } from './lifecycle';

/** Publishes the outbox to Kafka; run as many as you like, one leads (see {@link OutboxRelay}). */
export async function startRelay({
  config,
  postgres,
  events,
  logger,
  serviceMetrics,
}: Dependencies): Promise<RunningProcess> {
  const relay = new OutboxRelay(
    postgres,
    new OutboxStore(postgres),
    events,
    config.outbox,
    logger.child({ role: 'relay' }),
    serviceMetrics,
  );
  relay.start();
  logger.info('outbox relay running');
  return { stop: () => relay.stop() };
}
