/**
 * Apache Kafka (KRaft, single node) from Maven Central jars, its storage formatted on the first start; a
 * SASL_SSL listener (PLAIN, PEM certificates) beside the plain one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { jarDir, KAFKA_VERSION } from '../toolchain';
import { installMavenJars, run, startDaemon } from './process';
import { config, endpointOfHostPort, type Service, stackDir, tlsDir } from './service';
import { certificateFiles, LOCAL_KAFKA_USER, TLS_PORT_OFFSET } from './tls';

const kafkaEndpoint = endpointOfHostPort(config.kafka.brokers[0] ?? '127.0.0.1:9092');

export const kafka: Service = {
  name: 'kafka',
  endpoint: kafkaEndpoint,
  alsoWaitFor: [{ host: kafkaEndpoint.host, port: kafkaEndpoint.port + TLS_PORT_OFFSET.kafka }],
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
    const saslSslPort = port + TLS_PORT_OFFSET.kafka;
    const tls = certificateFiles(tlsDir);
    const properties = join(home, 'server.properties');
    writeFileSync(
      properties,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@${host}:${controllerPort}`,
        `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort},SASL_SSL://${host}:${saslSslPort}`,
        `advertised.listeners=PLAINTEXT://${host}:${port},SASL_SSL://${host}:${saslSslPort}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL',
        'sasl.enabled.mechanisms=PLAIN',
        'listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN',
        `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${LOCAL_KAFKA_USER.username}="${LOCAL_KAFKA_USER.password}";`,
        // Kafka takes a PEM file as a key store only with an encrypted key; inline PEM takes it as it is.
        'listener.name.sasl_ssl.ssl.keystore.type=PEM',
        `listener.name.sasl_ssl.ssl.keystore.certificate.chain=${propertyValue(readFileSync(tls.serverCert, 'utf8'))}`,
        `listener.name.sasl_ssl.ssl.keystore.key=${propertyValue(readFileSync(tls.serverKey, 'utf8'))}`,
        'listener.name.sasl_ssl.ssl.truststore.type=PEM',
        `listener.name.sasl_ssl.ssl.truststore.location=${tls.ca}`,
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
      // As one argument: a base64url id may start with '-', which the tool would read as an option.
      run('java', [...jvm, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', properties], {
        quiet: true,
      });
    }
    startDaemon('kafka', 'java', [...jvm, 'kafka.Kafka', properties]);
  },
};

/** A value for a Java properties file: its line breaks escaped, so a PEM block stays one property. */
function propertyValue(text: string): string {
  return text.trim().replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
