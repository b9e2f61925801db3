import { FAULTS, type Fault } from './faults';
import type { Options } from './options';
import type { Load } from './submitters';

/** What a run measured, for its table. */
export interface RunSummary {
  seed: number;
  loadSeconds: number;
  submissions: { attempted: number; refused: number; failed: number; duplicates: number };
  acknowledged: number;
  statuses: Map<string, string>;
  /** Each acknowledged remittance's status. */
  remittanceStatuses: Map<string, string>;
  /** How each transfer that stepped up ended its confirmation (null: still waiting). */
  stepUps: Map<string, string | null>;
  /** What the confirmer did. */
  confirmer: Load['confirmations'];
  faultsInjected: Map<Fault, number>;
  snapshots: { reads: number; unavailable: number };
  quiescentAfterSeconds: number;
  exitsOnTheirOwn: string[];
  failedStarts: string[];
  events: { raw: number; distinct: number };
  replayed: number;
  violations: string[];
}

/**
 * Prints the run's table: load, outcomes, step-ups, faults, checks, then the first 20 violations. The
 * step-up figures show the path was exercised; they are not checks, since the faults decide how many
 * codes could be sent and answered in time.
 */
export function printTable(summary: RunSummary): void {
  const { submissions, events, violations, confirmer } = summary;
  const byStatus = new Map<string, number>();
  for (const status of summary.statuses.values()) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  const row = (name: string, value: string | number) => console.log(`${name.padEnd(36)} ${value}`);
  console.log('');
  row('seed', summary.seed);
  row('load and faults', `${summary.loadSeconds.toFixed(0)} s`);
  row('submissions (incl. duplicates)', submissions.attempted);
  row('  acknowledged (distinct)', summary.acknowledged);
  row('  duplicates sent', submissions.duplicates);
  row('  refused 4xx / failed 5xx or no answer', `${submissions.refused} / ${submissions.failed}`);
  for (const [status, count] of [...byStatus].sort()) row(`  ${status}`, count);
  const confirmations = new Map<string, number>();
  for (const end of summary.stepUps.values()) {
    const label = end ?? 'still waiting';
    confirmations.set(label, (confirmations.get(label) ?? 0) + 1);
  }
  row('stepped up (AWAITING_CONFIRMATION)', summary.stepUps.size);
  for (const [end, count] of [...confirmations].sort()) row(`  ${end}`, count);
  row('confirmer: confirmed/declined/left', `${confirmer.confirmed} / ${confirmer.declined} / ${confirmer.left}`);
  row('  wrong code first (not 422, 2 left)', `${confirmer.wrongFirst} (${confirmer.wrongAnsweredOtherwise})`);
  row('  refused 4xx / failed 5xx or none', `${confirmer.refused} / ${confirmer.failed}`);
  const remittances = new Map<string, number>();
  for (const status of summary.remittanceStatuses.values()) remittances.set(status, (remittances.get(status) ?? 0) + 1);
  row('remittances acknowledged', summary.remittanceStatuses.size);
  for (const [status, count] of [...remittances].sort()) row(`  ${status}`, count);
  for (const fault of FAULTS) row(`fault: ${fault}`, summary.faultsInjected.get(fault) ?? 0);
  row('snapshot reads (PostgreSQL down)', `${summary.snapshots.reads} (${summary.snapshots.unavailable})`);
  row('time to quiescence', `${summary.quiescentAfterSeconds.toFixed(1)} s`);
  row('processes that exited on their own', summary.exitsOnTheirOwn.join(', ') || 0);
  row('starts that failed and were retried', summary.failedStarts.join(', ') || 0);
  row('events (raw / after de-duplication)', `${events.raw} / ${events.distinct}`);
  row(
    '  raw duplicate rate',
    `${events.raw === 0 ? '0' : ((100 * (events.raw - events.distinct)) / events.raw).toFixed(2)} %`,
  );
  row('closed workflow histories replayed', summary.replayed);
  row('invariant violations', violations.length);
  for (const violation of violations.slice(0, 20)) console.log(`  ${violation}`);
}

/**
 * The exit code: a void run (a fault not injected or not healed) fails; a normal run passes with no
 * violation; a `--break` run passes only when the checker caught the broken safeguard.
 */
export function verdict(options: Options, violations: number, injectionFailed: string | undefined): number {
  if (injectionFailed) {
    console.log(`\nthe run is void: injecting or healing ${injectionFailed}`);
    return 1;
  }
  if (!options.break) return violations === 0 ? 0 : 1;
  console.log(
    violations > 0
      ? `\nthe checker caught the broken ${options.break} safeguard`
      : `\nthe checker MISSED the broken ${options.break} safeguard`,
  );
  return violations > 0 ? 0 : 1;
}
