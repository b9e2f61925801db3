/** @beside-services queries the stack's Prometheus; starts no service */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import { eventually } from '../../harness/eventually';
import { Prometheus } from '../../harness/prometheus';

const observability = join(__dirname, '..', '..', 'observability');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}
const rules = (
  parse(readFileSync(join(observability, 'rules', 'transfer-saga.rules.yml'), 'utf8')) as {
    groups: Array<{ rules: Rule[] }>;
  }
).groups.flatMap((group) => group.rules);

interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  title: string;
  templating: { list: Array<{ name: string; type: string; query: string }> };
  annotations: { list: Array<Target & { builtIn?: number }> };
  panels: Panel[];
}
const dashboard = JSON.parse(readFileSync(join(observability, 'grafana', 'transfer-saga.json'), 'utf8')) as Dashboard;
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const charts = panels.filter((panel) => panel.type !== 'row');

/** What Grafana puts in place of its interval variables before it sends a query. */
function asGrafanaSends(expression: string): string {
  return expression
    .replace(/\$__rate_interval/g, '1m')
    .replace(/\$__interval/g, '15s')
    .replace(/\$__range/g, '1h');
}

const prometheus = new Prometheus();

describe('the stack Prometheus', () => {
  it('has loaded every committed rule, and none fails to evaluate', async () => {
    const loaded = await prometheus.rules();
    expect(loaded.map((rule) => rule.name).sort()).toEqual(rules.map((rule) => rule.alert ?? rule.record ?? '').sort());
    expect(loaded.filter((rule) => rule.health === 'err')).toEqual([]);
  });

  it('accepts every recording and alert expression', async () => {
    for (const rule of rules) {
      await expect(prometheus.query(rule.expr)).resolves.toEqual(expect.any(Array));
    }
  });

  it('scrapes the Temporal dev server through the committed temporal-server job', async () => {
    // The job's interval is 15 s: a Prometheus just started may not have scraped it yet.
    const up = await eventually(
      async () => (await prometheus.query('up{job="temporal-server"}'))[0],
      30_000,
      'a scrape of the Temporal dev server',
    );
    expect(up.value).toBe(1);
  });
});

describe('the Grafana dashboard', () => {
  it('is one a current Grafana imports, every panel on the chosen Prometheus datasource', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.uid).toBe('transfer-saga');
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const chosen = { type: 'prometheus', uid: '${datasource}' };
    // A panel with no query has no datasource among its targets, so it fails the last line too.
    for (const panel of charts) {
      expect({
        title: panel.title,
        placed: panel.gridPos !== undefined,
        datasource: panel.datasource,
        targetDatasources: [...new Set(panel.targets?.map((target) => JSON.stringify(target.datasource)))],
      }).toEqual({
        title: panel.title,
        placed: true,
        datasource: chosen,
        targetDatasources: [JSON.stringify(chosen)],
      });
    }
    expect(panels.filter((panel) => panel.type === 'row').map((panel) => panel.title)).toEqual([
      'Transfers',
      'Risk',
      'Events',
      'Repairs and reviews',
      'Worker (Temporal SDK)',
      'HTTP',
      'Temporal server',
    ]);
  });

  it("has every panel's and annotation's expression accepted by Prometheus", async () => {
    const queries = [
      ...charts.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr }))),
      ...dashboard.annotations.list
        .filter((annotation) => !annotation.builtIn)
        .map((annotation) => ({ panel: 'annotation', expr: annotation.expr })),
    ];
    expect(queries.length).toBeGreaterThan(20);
    for (const { panel, expr } of queries) {
      if (expr === undefined) throw new Error(`${panel} has a query without an expression`);
      const answer = await prometheus.query(asGrafanaSends(expr)).then(
        () => 'accepted',
        (error: Error) => error.message,
      );
      expect({ panel, expr, answer }).toEqual({ panel, expr, answer: 'accepted' });
    }
  });
});
