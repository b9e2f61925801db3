import type { Admin } from 'kafkajs';

export interface ConsumerGroupSpec {
  group: string;
  topics: readonly string[];
}

export interface ConsumerLag {
  group: string;
  topic: string;
  lag: number;
}

/**
 * How far each consumer group is behind, per topic: the sum over partitions of the topic's end offset
 * minus the group's committed one. A partition the group never committed on counts from its start (the
 * groups read from the beginning). Throws while Kafka does not answer.
 */
export async function consumerLag(kafkaAdmin: Admin, specs: readonly ConsumerGroupSpec[]): Promise<ConsumerLag[]> {
  const lags: ConsumerLag[] = [];
  for (const { group, topics } of specs) {
    const committed = await kafkaAdmin.fetchOffsets({ groupId: group, topics: [...topics] });
    for (const { topic, partitions } of committed) {
      const ends = new Map((await kafkaAdmin.fetchTopicOffsets(topic)).map((end) => [end.partition, end.high]));
      const lag = partitions.reduce((sum, { partition, offset }) => {
        const done = Number(offset) < 0 ? 0 : Number(offset);
        return sum + Math.max(0, Number(ends.get(partition) ?? 0) - done);
      }, 0);
      lags.push({ group, topic, lag });
    }
  }
  return lags;
}
