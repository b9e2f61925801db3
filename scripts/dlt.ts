/**
 * `npm run dlt -- list [topic]` prints the dead letters of every topic of the event surface (or of one)
 * and whether each has been re-driven; `npm run dlt -- replay <topic>` re-publishes to <topic> the
 * dead letters of <topic>.dlt that have not been re-driven yet. <topic> is the original topic name,
 * e.g. tx.sync_required.
 */
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';

import pino from 'pino';

import type { AuditLog } from '../src/audit/audit-log';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/dependencies';
import { deadLetterTopic, TOPICS } from '../src/domain/topics';
import { type DeadLetter, listDeadLetters, replayDeadLetters } from '../src/events/dead-letters';

const USAGE = 'usage: npm run dlt -- list [topic] | replay <topic>';
const ERROR_WIDTH = 80;

class UsageError extends Error {}

function parseArguments(
  argv: string[],
): { command: 'list'; topic: string | undefined } | { command: 'replay'; topic: string } {
  const [command, topic, ...extra] = argv;
  if (extra.length > 0) throw new UsageError(USAGE);
  if (topic !== undefined && !(TOPICS as readonly string[]).includes(topic)) {
    throw new UsageError(`unknown topic "${topic}"; name one of ${TOPICS.join(', ')}`);
  }
  if (command === 'list') return { command, topic };
  if (command === 'replay' && topic !== undefined) return { command, topic };
  throw new UsageError(USAGE);
}

function printTable(letters: DeadLetter[]): void {
  const header = ['DLT TOPIC', 'PARTITION', 'OFFSET', 'FAILED AT', 'CONSUMER GROUP', 'EVENT ID', 'REPLAYED', 'ERROR'];
  const rows = letters.map((letter) => [
    letter.dltTopic,
    String(letter.partition),
    letter.offset,
    letter.failedAt ?? '-',
    letter.consumerGroup ?? '-',
    letter.headers.eventId ?? '-',
    letter.replayed ? 'yes' : 'no',
    truncate(letter.error ?? '-', ERROR_WIDTH),
  ]);
  if (rows.length > 0) {
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
    for (const row of [header, ...rows]) {
      console.log(
        row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd(),
      );
    }
  }
  const waiting = letters.filter((letter) => !letter.replayed).length;
  console.log(`${letters.length} dead letter(s), ${waiting} not replayed`);
}

/** Errors can be multi-line stack-ish text; the table keeps one line per dead letter. */
function truncate(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

/**
 * A replay re-drives records past the consumers that refused them, so it goes into the audit trail like
 * an API write: by the operator's login on this host (the tool has no token), with the exit status.
 */
async function auditReplay(audit: AuditLog, topic: string, outcome: string): Promise<void> {
  await audit.append({
    requestId: randomUUID(),
    sub: `${userInfo().username}@${hostname()}`,
    role: 'operator-cli',
    action: 'replay dead letters',
    target: topic,
    outcome,
    status: outcome === 'done' ? 0 : 1,
    clientAddress: null,
  });
}

async function main(): Promise<void> {
  let command: ReturnType<typeof parseArguments>;
  try {
    command = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    process.exitCode = 2;
    return;
  }

  const config = loadConfig();
  // Logs go to stderr so stdout holds only the table or the count.
  const logger = pino({ name: 'dlt', level: config.logLevel }, pino.destination(2));
  const dependencies = await createDependencies(config, logger);
  try {
    const { kafka, kafkaAdmin, events } = dependencies;
    if (command.command === 'list') {
      printTable(await listDeadLetters(kafka, kafkaAdmin, command.topic === undefined ? TOPICS : [command.topic]));
    } else {
      let outcome = 'failed';
      try {
        const count = await replayDeadLetters(kafka, kafkaAdmin, events, command.topic);
        outcome = 'done';
        console.log(`re-published ${count} dead letter(s) from ${deadLetterTopic(command.topic)} to ${command.topic}`);
      } finally {
        await auditReplay(dependencies.audit, command.topic, outcome);
      }
    }
  } finally {
    await dependencies.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
