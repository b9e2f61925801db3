import { Link } from 'react-router';

import { Money } from '../../components/Money';
import { formatTime } from '../../lib/format';

import { type Remittance } from './api';

/** A business's bank account as the rail addresses it. */
export const bankAccount = ({ bank, account }: Remittance['fromBusiness']) => `${bank}/${account}`;

export function RemittancesTable({ rows }: { rows: Remittance[] }) {
  if (rows.length === 0) return <p>No remittances match.</p>;
  return (
    <table aria-label="Remittances">
      <thead>
        <tr>
          <th scope="col">Remittance</th>
          <th scope="col">Status</th>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col" className="number">
            Amount
          </th>
          <th scope="col">Reference</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((remittance) => (
          <tr key={remittance.remittanceId}>
            <th scope="row">
              <Link to={`/remittances/${remittance.remittanceId}`} className="mono">
                {remittance.number}
              </Link>
            </th>
            <td>
              <span className={`status status-${remittance.status.toLowerCase()}`}>{remittance.status}</span>
            </td>
            <td className="mono">{bankAccount(remittance.fromBusiness)}</td>
            <td className="mono">{bankAccount(remittance.toBusiness)}</td>
            <td className="number">
              <Money amount={remittance.amount} currency={remittance.currency} />
            </td>
            <td>{remittance.reference}</td>
            <td>{formatTime(remittance.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
