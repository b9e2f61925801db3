import { Link } from 'react-router';

import { Money } from '../../components/Money';
import { formatTime } from '../../lib/format';

import { type Transfer } from './api';

export function TransfersTable({ rows }: { rows: Transfer[] }) {
  if (rows.length === 0) return <p>No transfers match.</p>;
  return (
    <table aria-label="Transfers">
      <thead>
        <tr>
          <th scope="col">Transfer</th>
          <th scope="col">Status</th>
          <th scope="col">Step</th>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col" className="number">
            Amount
          </th>
          <th scope="col">Decision</th>
          <th scope="col">Submitted</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((transfer) => (
          <tr key={transfer.transferId}>
            <th scope="row">
              <Link to={`/transfers/${transfer.transferId}`} className="mono">
                {transfer.transferId}
              </Link>
            </th>
            <td>
              <span className={`status status-${transfer.status.toLowerCase()}`}>{transfer.status}</span>
            </td>
            <td>{transfer.step}</td>
            <td className="mono">{transfer.fromAccountId}</td>
            <td className="mono">{transfer.toAccountId}</td>
            <td className="number">
              <Money amount={transfer.amount} currency={transfer.currency} />
            </td>
            <td>{transfer.riskDecision ?? '—'}</td>
            <td>{formatTime(transfer.submittedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
