import { Gauge } from 'prom-client';

import type { Dependencies } from '../dependencies';
import { deadLetterReplayMetric } from '../events/dead-letters';
import type { RunningProcess } from '../lifecycle';
import { type ConsumerGroupSpec, consumerLag } from './lag';
import { liveFeedConsumer } from './live-feed';
import { startConsumer } from './runner';
import { slackAlertsConsumer } from './slack-alerts';
import { syncRequiredConsumer } from './sync-required';

/** Runs each Kafka consumer in its own group; stopping disconnects them after the message in hand. */
export async function startConsumers(dependencies: Dependencies): Promise<RunningProcess> {
  const specs = consumerSpecs(dependencies);
  const running = await Promise.all(specs.map((spec) => startConsumer(dependencies, spec)));
  consumerLagMetric(dependencies, specs);
  // Beside the lag: the consumers are what dead-letters, and the replay tool cannot be scraped.
  deadLetterReplayMetric(dependencies.metrics, dependencies.kafkaAdmin);
  dependencies.logger.info({ groups: specs.map((spec) => spec.group) }, 'consumers running');
  return { stop: async () => void (await Promise.all(running.map((consumer) => consumer.stop()))) };
}

/** The groups the consumers run in and what each reads: for the lag gauge here and the console's health page. */
export function consumerGroups(dependencies: Dependencies): ConsumerGroupSpec[] {
  return consumerSpecs(dependencies).map(({ group, topics }) => ({ group, topics }));
}

function consumerSpecs(dependencies: Dependencies) {
  return [syncRequiredConsumer(dependencies), liveFeedConsumer(dependencies), slackAlertsConsumer(dependencies)];
}

/** Records each group has yet to process, by group and topic, read from Kafka at each scrape; NaN while Kafka does not answer. */
function consumerLagMetric(
  { kafkaAdmin, metrics }: Pick<Dependencies, 'kafkaAdmin' | 'metrics'>,
  specs: ConsumerGroupSpec[],
): void {
  new Gauge({
    name: 'transfer_saga_consumer_lag',
    help: 'Records a consumer group has yet to process, by group and topic',
    labelNames: ['group', 'topic'],
    registers: [metrics],
    async collect() {
      try {
        for (const { group, topic, lag } of await consumerLag(kafkaAdmin, specs)) this.set({ group, topic }, lag);
      } catch {
        for (const { group, topics } of specs) for (const topic of topics) this.set({ group, topic }, Number.NaN);
      }
    },
  });
}
