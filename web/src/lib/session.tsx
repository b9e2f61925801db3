import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

import { type Role } from '@domain/roles';

import { createApiClient, type ApiClient } from './api-client';

/** Who is signed in. Kept in React state only: never in localStorage, sessionStorage or a cookie. */
export interface Session {
  token: string;
  /** The username (password sign-in) or the token's subject (identity provider). */
  username: string;
  role: Role;
  expiresAt: string | null;
}

interface SessionContextValue {
  session: Session | null;
  signIn: (session: Session) => void;
  signOut: () => void;
  api: ApiClient;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export interface SessionProviderProps {
  children: ReactNode;
  /** For tests: start signed in. */
  initialSession?: Session | null;
  /** For tests: a fake fetch behind the API client. */
  fetch?: typeof fetch;
}

/** Holds the session and the API client built on its token; a 401 from any call ends the session. */
export function SessionProvider({ children, initialSession = null, fetch: fetcher }: SessionProviderProps) {
  const [session, setSession] = useState<Session | null>(initialSession);
  const signOut = useCallback(() => setSession(null), []);
  const api = useMemo(
    () => createApiClient({ token: session?.token ?? null, onUnauthorized: signOut, fetch: fetcher }),
    [session?.token, signOut, fetcher],
  );
  const value = useMemo(() => ({ session, signIn: setSession, signOut, api }), [session, signOut, api]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

function useSessionContext(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <SessionProvider>');
  return value;
}

/** The current session (null when signed out) and the means to start or end one. */
export function useSession() {
  const { session, signIn, signOut } = useSessionContext();
  return { session, signIn, signOut };
}

/** The API client for the signed-in operator. */
export function useApi(): ApiClient {
  return useSessionContext().api;
}
