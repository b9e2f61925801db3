import { Link } from 'react-router';

import { formatTime } from '../../lib/format';

import { type DryRun } from './api';

/** What the draft would have decided on recent transfers, beside what was decided. */
export function DryRunResult({ result }: { result: DryRun }) {
  return (
    <section aria-labelledby="dry-run-heading">
      <h3 id="dry-run-heading">Test on recent transfers</h3>
      <p role="status">
        Evaluated {result.evaluated} transfers: the draft hits {result.hits}, and {result.changed} decisions would
        change.
      </p>
      {result.changes.length > 0 && (
        <table aria-label="Decisions that would change">
          <thead>
            <tr>
              <th scope="col">Transfer</th>
              <th scope="col">Evaluated</th>
              <th scope="col">Before → after</th>
            </tr>
          </thead>
          <tbody>
            {result.changes.map((change) => (
              <tr key={change.transferId}>
                <th scope="row">
                  <Link to={`/transfers/${change.transferId}`} className="mono">
                    {change.transferId}
                  </Link>
                </th>
                <td>{formatTime(change.evaluatedAt)}</td>
                <td>
                  {change.before} → {change.after}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
