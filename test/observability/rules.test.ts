/** @isolated promtool on the committed files; no service */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse, stringify } from 'yaml';

const root = join(__dirname, '..', '..');
const observability = join(root, 'observability');
const rulesFile = join(observability, 'rules', 'transfer-saga.rules.yml');
const rulesTestFile = join(observability, 'rules', 'transfer-saga.rules.test.yml');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  annotations?: Record<string, string>;
}
interface RulesTest {
  tests: Array<{
    alert_rule_test?: Array<{ alertname: string; eval_time: string; exp_alerts: unknown[] }>;
    promql_expr_test?: Array<{ expr: string }>;
  }>;
}

const rules = (parse(readFileSync(rulesFile, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap(
  (group) => group.rules,
);
const rulesTest = parse(readFileSync(rulesTestFile, 'utf8')) as RulesTest;

/** promtool ships with Debian's prometheus package, which `npm run stack -- up --with-observability` installs. */
function promtool(...args: string[]): { status: number | null; output: string } {
  const onPath = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  const command = onPath || (existsSync('/usr/bin/promtool') ? '/usr/bin/promtool' : undefined);
  if (command === undefined) {
    throw new Error('promtool not found: `npm run stack -- up --with-observability` installs the prometheus package');
  }
  const run = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** The anchor GitHub gives a Markdown heading. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

describe('the alert and recording rules', () => {
  it('are valid rules, and the Prometheus configuration that loads them is valid', () => {
    const checked = promtool('check', 'rules', rulesFile);
    expect(checked.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(checked.status).toBe(0);
    const config = promtool('check', 'config', join(observability, 'prometheus.yml'));
    expect(config.output).toContain('SUCCESS: 1 rule files found');
    expect(config.status).toBe(0);
  });

  it('pass their unit tests: each alert fires when it should and not otherwise, the SLO ratio is computed', () => {
    const tested = promtool('test', 'rules', rulesTestFile);
    expect(tested.output).toContain('SUCCESS');
    expect(tested.status).toBe(0);
  });

  it('fail their unit tests when an alert is expected to stay silent where it fires', () => {
    const directory = mkdtempSync(join(tmpdir(), 'transfer-saga-rules-'));
    copyFileSync(rulesFile, join(directory, 'transfer-saga.rules.yml'));
    const broken = structuredClone(rulesTest);
    const firing = broken.tests
      .flatMap((test) => test.alert_rule_test ?? [])
      .find((check) => check.exp_alerts.length > 0);
    if (!firing) throw new Error('the unit tests expect no alert to fire');
    firing.exp_alerts = [];
    writeFileSync(join(directory, 'broken.test.yml'), stringify(broken));
    const tested = promtool('test', 'rules', join(directory, 'broken.test.yml'));
    expect(tested.output).toContain(`alertname: ${firing.alertname}, time: ${firing.eval_time}`);
    expect(tested.status).not.toBe(0);
  });

  it('each alert has a unit test where it fires and one where it does not, and each recording rule is tested', () => {
    const checks = rulesTest.tests.flatMap((test) => test.alert_rule_test ?? []);
    const expressions = rulesTest.tests.flatMap((test) => test.promql_expr_test ?? []).map((check) => check.expr);
    const alerts = rules.flatMap((rule) => (rule.alert ? [rule.alert] : []));
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) {
      const ofAlert = checks.filter((check) => check.alertname === alert);
      expect({ alert, fires: ofAlert.some((check) => check.exp_alerts.length > 0) }).toEqual({ alert, fires: true });
      expect({ alert, silent: ofAlert.some((check) => check.exp_alerts.length === 0) }).toEqual({
        alert,
        silent: true,
      });
    }
    for (const record of rules.flatMap((rule) => (rule.record ? [rule.record] : []))) {
      expect({ record, tested: expressions.some((expr) => expr.includes(record)) }).toEqual({ record, tested: true });
    }
  });

  it('each alert tells on-call what happened and what to do, and links a runbook section that exists', () => {
    const operations = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
    const anchors = new Set([...operations.matchAll(/^#+ (.+)$/gm)].map((match) => anchorOf(match[1] ?? '')));
    for (const rule of rules.filter((candidate) => candidate.alert)) {
      const { summary, description, runbook_url: runbook } = rule.annotations ?? {};
      expect({ alert: rule.alert, summary: Boolean(summary), description: Boolean(description) }).toEqual({
        alert: rule.alert,
        summary: true,
        description: true,
      });
      const [file, anchor] = (runbook ?? '').split('#');
      expect({ alert: rule.alert, file, sectionExists: anchors.has(anchor ?? '') }).toEqual({
        alert: rule.alert,
        file: 'docs/operations.md',
        sectionExists: true,
      });
    }
  });
});
