/** @isolated no service */
import { ConfigError, loadConfig } from '../src/config';

describe('config', () => {
  it('without any setting, answers the local stack defaults', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.temporal).toMatchObject({ address: 'localhost:7233', namespace: 'default' });
    expect(config.slack.webhookUrl).toBeUndefined();
  });

  it.each([
    ['PORT', 'three thousand'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://db/transfers'],
    ['REDIS_URL', 'not a url'],
    ['KAFKA_BROKERS', '127.0.0.1:9092,,broker'],
    ['TEMPORAL_ADDRESS', 'localhost'],
    ['TEMPORAL_UI_URL', 'ftp://ui'],
    ['SLACK_WEBHOOK_URL', 'hooks.slack.example'],
    ['MAX_TRANSFER_AMOUNT', '-5'],
    ['AUTH_JWT_SECRET', 'short'],
    ['RISK_REVIEW_THRESHOLD', '-1'],
    ['RISK_ANOMALY_WEIGHT', 'heavy'],
  ])('refuses a malformed %s (%j) with its name in the message', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`\\b${name}\\b`));
  });

  it('in production, refuses to start without AUTH_JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWT_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'a-production-grade-secret' }).auth.jwtSecret).toBe(
      'a-production-grade-secret',
    );
  });

  it('refuses a block threshold that is not above the review threshold, naming it', () => {
    expect(() => loadConfig({ RISK_REVIEW_THRESHOLD: '80', RISK_BLOCK_THRESHOLD: '80' })).toThrow(
      /RISK_BLOCK_THRESHOLD/,
    );
  });

  it('reads a comma-separated broker list', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'k1:9092, k2:9092' }).kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
  });
});
