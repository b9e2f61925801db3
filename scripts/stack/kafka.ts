/** Apache Kafka (KRaft, single node) from Maven Central jars, its storage formatted on the first start. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { jarDir, KAFKA_VERSION } from '../toolchain';
import { installMavenJars, run, startDaemon } from './process';
import { config, endpointOfHostPort, type Service, stackDir } from './service';

const kafkaEndpoint = endpointOfHostPort(config.kafka.brokers[0] ?? '127.0.0.1:9092');

export const kafka: Service = {
  name: 'kafka',
  endpoint: kafkaEndpoint,
  startupSeconds: 120,
  install() {
    installMavenJars('kafka', KAFKA_VERSION);
  },
  start() {
    const home = join(stackDir, 'kafka');
    const data = join(home, 'data');
    mkdirSync(data, { recursive: true });
    const { host, port } = this.endpoint;
    const controllerPort = port + 1;
    const properties = join(home, 'server.properties');
    writeFileSync(
      properties,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@${host}:${controllerPort}`,
        `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://${host}:${port}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${data}`,
        `num.partitions=${config.kafka.partitions}`,
        // Topics are created by the service at start-up, so a typo never invents one.
        'auto.create.topics.enable=false',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        '',
      ].join('\n'),
    );
    const log4j = join(home, 'log4j.properties');
    writeFileSync(
      log4j,
      [
        'log4j.rootLogger=WARN, stdout',
        'log4j.logger.kafka.server.KafkaServer=INFO',
        'log4j.logger.kafka.server.KafkaRaftServer=INFO',
        'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
        'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
        '',
      ].join('\n'),
    );
    const classpath = `${jarDir('kafka', KAFKA_VERSION)}/*`;
    const jvm = ['-Xms256m', '-Xmx768m', `-Dlog4j.configuration=file:${log4j}`, '-cp', classpath];
    if (!existsSync(join(data, 'meta.properties'))) {
      const clusterId = randomBytes(16).toString('base64url');
      run('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties], { quiet: true });
    }
    startDaemon('kafka', 'java', [...jvm, 'kafka.Kafka', properties]);
  },
};
