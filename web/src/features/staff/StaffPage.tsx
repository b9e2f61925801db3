import { useState, type FormEvent } from 'react';

import { ErrorAlert, RefusalRegion } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { formatTime } from '../../lib/format';
import { useApi, useSession } from '../../lib/session';
import { useResource } from '../../lib/use-resource';
import { useAction } from '../../lib/use-action';

import { changeStaff, createStaff, listStaff, STAFF_ROLES, type NewStaff, type StaffMember } from './api';

type StaffRole = NewStaff['role'];

/** SUPER_ADMIN only: the route is hidden from every other role, and the server refuses them anyway. */
export function StaffPage() {
  const api = useApi();
  const { session } = useSession();
  const staff = useResource(() => listStaff(api), [api]);
  const [outcome, setOutcome] = useState<string | null>(null);
  const { refusal, run } = useAction(staff.reload);

  async function act(work: () => Promise<StaffMember>, done: (member: StaffMember) => string) {
    setOutcome(null);
    const member = await run(work);
    if (member) setOutcome(done(member));
  }

  return (
    <main>
      <h1>Staff</h1>
      <RefusalRegion refusal={refusal} />
      {outcome && <p role="status">{outcome}</p>}
      <ErrorAlert error={staff.error} />
      {staff.loading && !staff.data && <Loading />}
      {staff.data && (
        <table aria-label="Staff">
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {staff.data.items.map((member) => (
              <StaffRow
                key={member.username}
                member={member}
                isYou={member.username === session?.username}
                onUnlock={() =>
                  void act(
                    () => changeStaff(api, member.username, { unlock: true }),
                    (m) => `${m.username} is unlocked.`,
                  )
                }
                onChangeRole={(role) =>
                  void act(
                    () => changeStaff(api, member.username, { role }),
                    (m) => `${m.username} is now ${m.role}.`,
                  )
                }
                onToggleDisabled={() =>
                  void act(
                    () => changeStaff(api, member.username, { disabled: !member.disabled }),
                    (m) => `${m.username} is ${m.disabled ? 'disabled' : 'enabled'}.`,
                  )
                }
              />
            ))}
          </tbody>
        </table>
      )}
      <NewStaffForm
        onCreate={(body) =>
          act(
            () => createStaff(api, body),
            (m) => `Created ${m.username} (${m.role}).`,
          )
        }
      />
    </main>
  );
}

interface StaffRowProps {
  member: StaffMember;
  /** The signed-in account: the server lets another SUPER_ADMIN change it, not its holder. */
  isYou: boolean;
  onChangeRole: (role: StaffRole) => void;
  onToggleDisabled: () => void;
  onUnlock: () => void;
}

function StaffRow({ member, isYou, onChangeRole, onToggleDisabled, onUnlock }: StaffRowProps) {
  const [role, setRole] = useState<StaffRole>(member.role);
  const state = member.disabled
    ? 'disabled'
    : member.lockedUntil
      ? `locked until ${formatTime(member.lockedUntil)}`
      : 'active';
  return (
    <tr>
      <th scope="row">{member.username}</th>
      <td>{member.email}</td>
      <td>
        <label>
          <span className="visually-hidden">Role of {member.username}</span>
          <select value={role} onChange={(e) => setRole(e.target.value as StaffRole)} disabled={isYou}>
            {STAFF_ROLES.map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
      </td>
      <td>{state}</td>
      <td>
        {formatTime(member.createdAt)} by {member.createdBy}
      </td>
      <td className="actions">
        {isYou ? (
          <span className="muted">your account</span>
        ) : (
          <>
            <button
              type="button"
              className="secondary"
              onClick={() => onChangeRole(role)}
              disabled={role === member.role}
              aria-label={`Change role of ${member.username}`}
            >
              Change role
            </button>
            <button
              type="button"
              className="secondary"
              onClick={onToggleDisabled}
              aria-label={`${member.disabled ? 'Enable' : 'Disable'} ${member.username}`}
            >
              {member.disabled ? 'Enable' : 'Disable'}
            </button>
            {member.lockedUntil && (
              <button type="button" className="secondary" onClick={onUnlock} aria-label={`Unlock ${member.username}`}>
                Unlock
              </button>
            )}
          </>
        )}
      </td>
    </tr>
  );
}

function NewStaffForm({ onCreate }: { onCreate: (body: NewStaff) => Promise<void> }) {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<StaffRole>('READ_ONLY');
  const [password, setPassword] = useState('');

  async function submit(event: FormEvent) {
    event.preventDefault();
    await onCreate({ username, email, role, password });
    setPassword('');
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="panel stack" aria-labelledby="new-staff-heading">
      <h2 id="new-staff-heading">New staff member</h2>
      <label>
        Username
        <input value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="off" />
      </label>
      <label>
        Email
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
      </label>
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value as StaffRole)}>
          {STAFF_ROLES.map((value) => (
            <option key={value}>{value}</option>
          ))}
        </select>
      </label>
      <label>
        Initial password
        <input
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
          autoComplete="new-password"
        />
      </label>
      <button type="submit">Create staff member</button>
    </form>
  );
}
