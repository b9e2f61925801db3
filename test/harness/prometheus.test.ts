/** @beside-services registers a scrape target of its own with the stack's Prometheus; starts no service */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

import { Prometheus, type ScrapeTargets } from '../../harness/prometheus';

/** A /metrics endpoint whose counter counts the scrapes it answered. */
async function exporter(): Promise<{ url: string; scrapes: () => number; server: Server }> {
  let scrapes = 0;
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    scrapes += 1;
    response.end(
      [
        '# HELP probe_scrapes_total Scrapes answered',
        '# TYPE probe_scrapes_total counter',
        `probe_scrapes_total{path="/a \\"quoted\\" one"} ${scrapes}`,
        'probe_unknown NaN',
        '',
      ].join('\n'),
    );
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, scrapes: () => scrapes, server };
}

describe('harness/prometheus', () => {
  const prometheus = new Prometheus();
  let probe: Awaited<ReturnType<typeof exporter>>;
  let targets: ScrapeTargets | undefined;

  beforeAll(async () => {
    probe = await exporter();
  });
  afterAll(async () => {
    targets?.remove();
    await new Promise((closed) => probe.server.close(closed));
  });

  it('has a registered target scraped, its series labelled with the run and the name, read back as served', async () => {
    targets = await prometheus.register({ probe: probe.url });
    await targets.scraped();
    const since = Date.now();
    const scrapesBefore = probe.scrapes();
    await targets.scraped(since);
    // A scrape that began after `since` answered after it too.
    expect(probe.scrapes()).toBeGreaterThan(scrapesBefore);

    const [counter] = (await targets.series('probe')).filter(
      (series) => series.labels.__name__ === 'probe_scrapes_total',
    );
    expect(counter?.labels).toEqual(
      expect.objectContaining({ job: 'harness', harness_run: targets.run, harness_target: 'probe' }),
    );
    const exposition = await targets.exposition('probe');
    const served = Number(/^probe_scrapes_total\{path="\/a \\"quoted\\" one"\} (\d+)$/m.exec(exposition)?.[1]);
    expect(served).toBeGreaterThan(scrapesBefore);
    expect(served).toBeLessThanOrEqual(probe.scrapes());
    expect(exposition).toMatch(/^probe_unknown NaN$/m);
    expect(exposition).not.toMatch(/harness_run|instance=|^up |^scrape_/m);
  });

  it('rejects an expression Prometheus refuses, with its error', async () => {
    await expect(prometheus.query('sum(rate(probe_scrapes_total[1m])')).rejects.toThrow(/bad_data/);
  });

  it('removes its file at the end, and a file left by a process that ended is removed at the next registration', async () => {
    const directory = await prometheus.targetsDirectory();
    // No process has pid 2^22 + 1 (Linux's highest is 2^22).
    const leftOver = join(directory, '4194305-left-over.json');
    writeFileSync(leftOver, '[]');
    const next = await prometheus.register({ probe: probe.url });
    expect(existsSync(leftOver)).toBe(false);
    const own = readdirSync(directory).filter((file) => file.includes(next.run));
    expect(own).toHaveLength(1);
    next.remove();
    expect(readdirSync(directory).filter((file) => file.includes(next.run))).toEqual([]);
  });
});
