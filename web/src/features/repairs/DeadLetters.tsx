import { useState } from 'react';

import { ErrorAlert, RefusalRegion } from '../../components/ErrorAlert';
import { formatTime } from '../../lib/format';
import { can } from '../../lib/permissions';
import { useApi, useSession } from '../../lib/session';
import { useResource } from '../../lib/use-resource';
import { useAction } from '../../lib/use-action';

import { listDeadLetters, listDeadLetterTopics, replayDeadLetters, type DeadLetterTopic } from './api';

export function DeadLetters() {
  const api = useApi();
  const topics = useResource(() => listDeadLetterTopics(api), [api]);
  const [shown, setShown] = useState<string | null>(null);

  return (
    <section aria-labelledby="dlt-heading">
      <h2 id="dlt-heading">Dead letters</h2>
      <ErrorAlert error={topics.error} />
      {topics.data && (
        <table aria-label="Dead-letter topics">
          <thead>
            <tr>
              <th scope="col">Topic</th>
              <th scope="col">Dead-letter topic</th>
              <th scope="col" className="number">
                Total
              </th>
              <th scope="col" className="number">
                Waiting
              </th>
              <th scope="col">
                <span className="visually-hidden">Records</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {topics.data.topics.map((topic) => (
              <tr key={topic.topic}>
                <th scope="row" className="mono">
                  {topic.topic}
                </th>
                <td className="mono">{topic.dltTopic}</td>
                <td className="number">{topic.total}</td>
                <td className="number">{topic.waiting}</td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => setShown(topic.topic)}
                    aria-label={`Show records of ${topic.topic}`}
                  >
                    Show records
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown && topics.data && (
        <TopicRecords
          key={shown}
          topic={topics.data.topics.find((topic) => topic.topic === shown)}
          name={shown}
          onReplayed={topics.reload}
        />
      )}
    </section>
  );
}

interface TopicRecordsProps {
  name: string;
  topic: DeadLetterTopic | undefined;
  onReplayed: () => void;
}

/** One topic's dead letters and its Replay button, which asks for confirmation before it acts. */
function TopicRecords({ name, topic, onReplayed }: TopicRecordsProps) {
  const api = useApi();
  const { session } = useSession();
  const records = useResource(() => listDeadLetters(api, name), [api, name]);
  const [confirming, setConfirming] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);
  const { refusal, run } = useAction(() => {
    records.reload();
    onReplayed();
  });

  async function replay() {
    setConfirming(false);
    const result = await run(() => replayDeadLetters(api, name));
    if (result) setOutcome(`Replayed ${result.replayed} records.`);
  }

  return (
    <section aria-labelledby="records-heading" className="panel">
      <h3 id="records-heading">
        Records of <span className="mono">{name}</span>
      </h3>
      <ErrorAlert error={records.error} />
      <RefusalRegion refusal={refusal} />
      {outcome && <p role="status">{outcome}</p>}
      {can(session?.role, 'replay dead letters') &&
        (confirming ? (
          <div className="actions" role="group" aria-label="Confirm replay">
            <span>
              Replay the {topic?.waiting ?? ''} waiting records of {name} to their consumers?
            </span>
            <button type="button" className="danger" onClick={() => void replay()}>
              Confirm replay
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} disabled={topic?.waiting === 0}>
            Replay
          </button>
        ))}
      {records.data && (
        <table aria-label={`Dead letters of ${name}`}>
          <thead>
            <tr>
              <th scope="col">Partition/offset</th>
              <th scope="col">Failed</th>
              <th scope="col">Consumer group</th>
              <th scope="col">Event</th>
              <th scope="col">Replayed</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {records.data.items.map((record) => (
              <tr key={`${record.partition}:${record.offset}`}>
                <th scope="row" className="mono">
                  {record.partition}/{record.offset}
                </th>
                <td>{formatTime(record.failedAt)}</td>
                <td>{record.consumerGroup}</td>
                <td className="mono">{record.headers.eventId ?? '—'}</td>
                <td>{record.replayed ? 'yes' : 'no'}</td>
                <td>{record.error}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
