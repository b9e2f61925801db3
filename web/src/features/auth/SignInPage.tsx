import { useState, type FormEvent } from 'react';

import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { ApiError } from '../../lib/api-client';
import { useApi, useSession } from '../../lib/session';
import { useResource } from '../../lib/use-resource';

import { getAuthConfig, logIn, whoIs } from './api';

const STAFF_ONLY = new Error('This console is for staff; customer accounts cannot sign in here.');

/** Wrong credentials get the plain sentence operators expect; a lockout keeps the server's "until when". */
function signInError(error: unknown): unknown {
  if (error instanceof ApiError && error.status === 401) return new Error('Wrong username or password.');
  if (error instanceof ApiError && error.status === 423) return new Error(`Account locked. ${error.detail ?? ''}`);
  return error;
}

export function SignInPage() {
  const api = useApi();
  const config = useResource(() => getAuthConfig(api), [api]);

  return (
    <main className="sign-in">
      <h1>Sign in to the transfer-saga console</h1>
      {config.loading && <Loading />}
      <ErrorAlert error={config.error} />
      {config.data?.mode === 'password' && <PasswordForm />}
      {config.data?.mode === 'identity-provider' && <TokenForm />}
    </main>
  );
}

function PasswordForm() {
  const api = useApi();
  const { signIn } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await logIn(api, { username, password });
      signIn({ token: session.token, username: session.username, role: session.role, expiresAt: session.expiresAt });
    } catch (reason) {
      setError(signInError(reason));
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="stack">
      <label>
        Username
        <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required />
      </label>
      <label>
        Password
        <input
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          required
        />
      </label>
      <ErrorAlert error={error} />
      <button type="submit" disabled={busy}>
        Sign in
      </button>
    </form>
  );
}

function TokenForm() {
  const api = useApi();
  const { signIn } = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const principal = await whoIs(api, token.trim());
      if (principal.role === 'USER') throw STAFF_ONLY;
      signIn({ token: token.trim(), username: principal.sub, role: principal.role, expiresAt: principal.expiresAt });
    } catch (reason) {
      setError(
        reason instanceof ApiError && reason.status === 401 ? new Error('That token was not accepted.') : reason,
      );
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="stack">
      <p>
        This console signs in through an identity provider. Sign in there, then paste the access token it gives you.
      </p>
      <label>
        Identity provider token
        <textarea value={token} onChange={(e) => setToken(e.target.value)} rows={4} required />
      </label>
      <ErrorAlert error={error} />
      <button type="submit">Sign in</button>
    </form>
  );
}
