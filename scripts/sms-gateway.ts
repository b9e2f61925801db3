/**
 * `npm run sms-gateway -- [--port 7500]` runs the SMS gateway stand-in (harness/sms-gateway.ts) on 127.0.0.1
 * until stopped, with the api key from SMS_API_KEY (the development key when unset) and a log line per message
 * that never shows its text. A developer reads their code at `GET /_sms/messages?to=<number>`.
 * The port is `--port`, else SMS_GATEWAY_PORT, else 7500; `npm run stack -- up` runs it as a daemon.
 */
import { SmsGateway } from '../harness/sms-gateway';
import { DEVELOPMENT_SMS_API_KEY } from '../src/config';

import { runStandIn } from './stand-in';

runStandIn({
  name: 'the SMS gateway stand-in',
  script: 'sms-gateway',
  portVariable: 'SMS_GATEWAY_PORT',
  defaultPort: 7500,
  start: (port, log) => SmsGateway.start({ port, apiKey: process.env.SMS_API_KEY || DEVELOPMENT_SMS_API_KEY, log }),
  listening: (gateway) =>
    `SMS gateway stand-in listening on ${gateway.url} (messages: ${gateway.url}/_sms/messages?to=<number>)`,
});
