/**
 * `npm run sms-gateway -- [--port 7500]` runs the SMS gateway stand-in (harness/sms-gateway.ts) on 127.0.0.1
 * until stopped, with the api key from SMS_API_KEY (the development key when unset) and a log line per message
 * that never shows its text. A developer reads their code at `GET /_sms/messages?to=<number>`.
 * The port is `--port`, else SMS_GATEWAY_PORT, else 7500; `npm run stack -- up` runs it as a daemon.
 */
import { parseArgs } from 'node:util';

import { SmsGateway } from '../harness/sms-gateway';
import { DEVELOPMENT_SMS_API_KEY } from '../src/config';

const DEFAULT_PORT = 7500;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const portText = values.port ?? process.env.SMS_GATEWAY_PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`usage: npm run sms-gateway -- [--port ${DEFAULT_PORT}]  (${portText} is not a port)`);
    process.exitCode = 2;
    return;
  }
  const gateway = await SmsGateway.start({
    port,
    apiKey: process.env.SMS_API_KEY || DEVELOPMENT_SMS_API_KEY,
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
  console.log(`SMS gateway stand-in listening on ${gateway.url} (messages: ${gateway.url}/_sms/messages?to=<number>)`);
  const stop = (signal: NodeJS.Signals) => {
    console.log(`${signal}: stopping the SMS gateway stand-in`);
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
