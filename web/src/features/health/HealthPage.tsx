import { useEffect, useState } from 'react';

import { RISK_DECISIONS } from '@domain/transfer';

import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { TimeSeriesChart } from '../../components/TimeSeriesChart';
import { useApi } from '../../lib/session';

import { getStats, type Stats } from './api';
import { appendSample, EMPTY_SERIES } from './rolling-window';

const POLL_MS = 2000;

export function HealthPage() {
  const api = useApi();
  const [latest, setLatest] = useState<Stats | null>(null);
  const [series, setSeries] = useState(EMPTY_SERIES);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let stopped = false;
    async function poll() {
      try {
        const stats = await getStats(api);
        if (stopped) return;
        setLatest(stats);
        setSeries((current) => appendSample(current, stats));
        setError(null);
      } catch (reason) {
        if (!stopped) setError(reason);
      }
    }
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api]);

  return (
    <main>
      <h1>Health</h1>
      <ErrorAlert error={error} />
      {!latest && !error && <Loading />}
      {latest && <LatestFigures stats={latest} />}
      <div className="charts">
        <TimeSeriesChart
          title="Completed per second"
          times={series.times}
          values={series.completedPerSecond}
          unit="transfers/s"
          color="#1b5e20"
        />
        <TimeSeriesChart
          title="Submit → COMPLETED p99"
          times={series.times}
          values={series.p99Ms}
          unit="ms"
          color="#0d47a1"
        />
      </div>
    </main>
  );
}

function LatestFigures({ stats }: { stats: Stats }) {
  const decided = RISK_DECISIONS.reduce((sum, decision) => sum + stats.decisions[decision], 0);
  const share = (count: number) => (decided ? ` (${Math.round((100 * count) / decided)}%)` : '');
  return (
    <section aria-labelledby="latest-heading">
      <h2 id="latest-heading">Now</h2>
      <dl className="counts" aria-live="off">
        <div>
          <dt>Completed/s</dt>
          <dd>{stats.completedPerSecond.toFixed(1)}</dd>
        </div>
        <div>
          <dt>p99 submit → COMPLETED</dt>
          <dd>{stats.completedP99Ms === null ? '—' : `${Math.round(stats.completedP99Ms)} ms`}</dd>
        </div>
        <div>
          <dt>Outbox lag</dt>
          <dd>{stats.outboxLagSeconds.toFixed(1)} s</dd>
        </div>
        <div>
          <dt>Open reviews</dt>
          <dd>{stats.openReviews}</dd>
        </div>
      </dl>
      <h3>Decisions, last 5 minutes</h3>
      <dl className="counts">
        {RISK_DECISIONS.map((decision) => (
          <div key={decision}>
            <dt>{decision}</dt>
            <dd>
              {stats.decisions[decision]}
              {share(stats.decisions[decision])}
            </dd>
          </div>
        ))}
      </dl>
      <h3>Consumer lag</h3>
      <table aria-label="Consumer lag">
        <thead>
          <tr>
            <th scope="col">Group</th>
            <th scope="col">Topic</th>
            <th scope="col" className="number">
              Lag
            </th>
          </tr>
        </thead>
        <tbody>
          {stats.consumerLag === null && (
            <tr>
              <td colSpan={3}>Unknown: Kafka does not answer.</td>
            </tr>
          )}
          {stats.consumerLag?.map((lag) => (
            <tr key={`${lag.group}/${lag.topic}`}>
              <th scope="row">{lag.group}</th>
              <td className="mono">{lag.topic}</td>
              <td className="number">{lag.lag}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="actions">
        <a href={stats.links.temporalUi} target="_blank" rel="noreferrer">
          Temporal Web UI
        </a>
        <a href={stats.links.metrics} target="_blank" rel="noreferrer">
          Metrics
        </a>
      </p>
    </section>
  );
}
