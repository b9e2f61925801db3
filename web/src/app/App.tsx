import { BrowserRouter } from 'react-router';

import { SessionProvider } from '../lib/session';

import { AppRoutes } from './routes';

/** The console: served by the API under /console, so every route lives below that basename. */
export function App() {
  return (
    <SessionProvider>
      <BrowserRouter basename="/console">
        <AppRoutes />
      </BrowserRouter>
    </SessionProvider>
  );
}
