import { Gauge } from 'prom-client';

import type { Dependencies } from '../dependencies';
import { deadLetterReplayMetric } from '../events/dead-letters';
import type { RunningProcess } from '../lifecycle';
import { liveFeedConsumer } from './live-feed';
import { startConsumer } from './runner';
import { slackAlertsConsumer } from './slack-alerts';
import { syncRequiredConsumer } from './sync-required';

/** Runs each Kafka consumer in its own group; stopping disconnects them after the message in hand. */
export async function startConsumers(dependencies: Dependencies): Promise<RunningProcess> {
  const specs = [syncRequiredConsumer(dependencies), liveFeedConsumer(dependencies), slackAlertsConsumer(dependencies)];
  const running = await Promise.all(specs.map((spec) => startConsumer(dependencies, spec)));
  consumerLagMetric(dependencies, specs);
  // Beside the lag: the consumers are what dead-letters, and the replay tool cannot be scraped.
  deadLetterReplayMetric(dependencies.metrics, dependencies.kafkaAdmin);
  dependencies.logger.info({ groups: specs.map((spec) => spec.group) }, 'consumers running');
  return { stop: async () => void (await Promise.all(running.map((consumer) => consumer.stop()))) };
}

/**
 * How far each consumer group is behind, per topic: the sum over partitions of the topic's end offset
 * minus the group's committed one, read from Kafka at each scrape. Unknown (NaN) while Kafka does not answer.
 */
function consumerLagMetric(
  { kafkaAdmin, metrics }: Pick<Dependencies, 'kafkaAdmin' | 'metrics'>,
  specs: Array<{ group: string; topics: readonly string[] }>,
): void {
  new Gauge({
    name: 'transfer_saga_consumer_lag',
    help: 'Records a consumer group has yet to process, by group and topic',
    labelNames: ['group', 'topic'],
    registers: [metrics],
    async collect() {
      for (const { group, topics } of specs) {
        try {
          const committed = await kafkaAdmin.fetchOffsets({ groupId: group, topics: [...topics] });
          for (const { topic, partitions } of committed) {
            const ends = new Map((await kafkaAdmin.fetchTopicOffsets(topic)).map((end) => [end.partition, end.high]));
            // A partition the group never committed on counts from its start (the groups read from the beginning).
            const lag = partitions.reduce((sum, { partition, offset }) => {
              const done = Number(offset) < 0 ? 0 : Number(offset);
              return sum + Math.max(0, Number(ends.get(partition) ?? 0) - done);
            }, 0);
            this.set({ group, topic }, lag);
          }
        } catch {
          for (const topic of topics) this.set({ group, topic }, Number.NaN);
        }
      }
    },
  });
}
