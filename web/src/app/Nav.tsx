import { NavLink } from 'react-router';

import { can, type ConsoleAction } from '../lib/permissions';
import { useSession } from '../lib/session';

const PAGES: { to: string; label: string; needs: ConsoleAction }[] = [
  { to: '/transfers', label: 'Transfers', needs: 'list transfers' },
  { to: '/remittances', label: 'Remittances', needs: 'list remittances' },
  { to: '/reviews', label: 'Review queue', needs: 'list reviews' },
  { to: '/rules', label: 'Rules', needs: 'read rules' },
  { to: '/repairs', label: 'Repairs', needs: 'read repairs' },
  { to: '/health', label: 'Health', needs: 'read stats' },
  { to: '/staff', label: 'Staff', needs: 'manage staff' },
];

/** The pages the signed-in role may read, who is signed in, and Sign out. */
export function Nav() {
  const { session, signOut } = useSession();
  return (
    <header className="top">
      <nav aria-label="Console">
        <span className="brand">transfer-saga</span>
        <ul>
          {PAGES.filter((page) => can(session?.role, page.needs)).map((page) => (
            <li key={page.to}>
              <NavLink to={page.to}>{page.label}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <div className="who">
        <span>
          {session?.username} ({session?.role})
        </span>
        <button type="button" className="secondary" onClick={signOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}
