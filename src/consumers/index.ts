import type { Dependencies } from '../dependencies';
import type { RunningProcess } from '../lifecycle';
import { liveFeedConsumer } from './live-feed';
import { startConsumer } from './runner';
import { slackAlertsConsumer } from './slack-alerts';
import { syncRequiredConsumer } from './sync-required';

/** Runs each Kafka consumer in its own group; stopping disconnects them after the message in hand. */
export async function startConsumers(dependencies: Dependencies): Promise<RunningProcess> {
  const specs = [syncRequiredConsumer(dependencies), liveFeedConsumer(dependencies), slackAlertsConsumer(dependencies)];
  const running = await Promise.all(specs.map((spec) => startConsumer(dependencies, spec)));
  dependencies.logger.info({ groups: specs.map((spec) => spec.group) }, 'consumers running');
  return { stop: async () => void (await Promise.all(running.map((consumer) => consumer.stop()))) };
}
