import { type ReactNode } from 'react';
import { Navigate, Outlet, Route, Routes, useLocation } from 'react-router';

import { SignInPage } from '../features/auth/SignInPage';
import { HealthPage } from '../features/health/HealthPage';
import { RemittanceDetailPage } from '../features/remittances/RemittanceDetailPage';
import { RemittancesPage } from '../features/remittances/RemittancesPage';
import { RepairsPage } from '../features/repairs/RepairsPage';
import { ReviewQueuePage } from '../features/reviews/ReviewQueuePage';
import { RulesPage } from '../features/rules/RulesPage';
import { StaffPage } from '../features/staff/StaffPage';
import { TransferDetailPage } from '../features/transfers/TransferDetailPage';
import { TransfersPage } from '../features/transfers/TransfersPage';
import { can, type ConsoleAction } from '../lib/permissions';
import { useSession } from '../lib/session';

import { Nav } from './Nav';

/** Signed-in pages; without a session (never signed in, signed out, or a 401) the sign-in page. */
function SignedIn() {
  const { session } = useSession();
  const location = useLocation();
  if (!session) return <Navigate to="/sign-in" replace state={{ from: location.pathname }} />;
  return (
    <>
      <a href="#content" className="skip-link">
        Skip to content
      </a>
      <Nav />
      <div id="content" tabIndex={-1}>
        <Outlet />
      </div>
    </>
  );
}

function SignInRoute() {
  const { session } = useSession();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  return session ? <Navigate to={from && from !== '/sign-in' ? from : '/transfers'} replace /> : <SignInPage />;
}

/** A page the role may not read is not offered; the server would refuse its data anyway. */
function Allowed({ action, children }: { action: ConsoleAction; children: ReactNode }) {
  const { session } = useSession();
  if (can(session?.role, action)) return children;
  return (
    <main>
      <h1>Not available</h1>
      <p>Your role ({session?.role}) may not open this page.</p>
    </main>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInRoute />} />
      <Route element={<SignedIn />}>
        <Route index element={<Navigate to="/transfers" replace />} />
        <Route
          path="/transfers"
          element={
            <Allowed action="list transfers">
              <TransfersPage />
            </Allowed>
          }
        />
        <Route
          path="/transfers/:transferId"
          element={
            <Allowed action="read transfers">
              <TransferDetailPage />
            </Allowed>
          }
        />
        <Route
          path="/remittances"
          element={
            <Allowed action="list remittances">
              <RemittancesPage />
            </Allowed>
          }
        />
        <Route
          path="/remittances/:remittanceId"
          element={
            <Allowed action="read remittances">
              <RemittanceDetailPage />
            </Allowed>
          }
        />
        <Route
          path="/reviews"
          element={
            <Allowed action="list reviews">
              <ReviewQueuePage />
            </Allowed>
          }
        />
        <Route
          path="/rules"
          element={
            <Allowed action="read rules">
              <RulesPage />
            </Allowed>
          }
        />
        <Route
          path="/repairs"
          element={
            <Allowed action="read repairs">
              <RepairsPage />
            </Allowed>
          }
        />
        <Route
          path="/health"
          element={
            <Allowed action="read stats">
              <HealthPage />
            </Allowed>
          }
        />
        <Route
          path="/staff"
          element={
            <Allowed action="manage staff">
              <StaffPage />
            </Allowed>
          }
        />
        <Route path="*" element={<Navigate to="/transfers" replace />} />
      </Route>
    </Routes>
  );
}
