import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';

import { SessionProvider, useSession } from '../../lib/session';
import { fakeFetch } from '../../testing/fake-api';

import { SignInPage } from './SignInPage';

describe('the sign-in page', () => {
  it('when the password is wrong, it says so in an alert', async () => {
    const api = fakeFetch((request) => {
      if (request.url === '/v1/auth/config') return { status: 200, body: { mode: 'password' } };
      if (request.url === '/v1/auth/login') {
        return {
          status: 401,
          body: { type: 'https://transfer-saga.dev/problems/invalid-credentials', title: 'Unauthorized', status: 401 },
        };
      }
      return undefined;
    });
    render(
      <SessionProvider fetch={api.fetch}>
        <MemoryRouter>
          <SignInPage />
        </MemoryRouter>
      </SessionProvider>,
    );
    await userEvent.type(await screen.findByLabelText('Username'), 'alice');
    await userEvent.type(screen.getByLabelText('Password'), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    expect((await screen.findByRole('alert')).textContent).toBe('Wrong username or password.');
    expect(api.requests.at(-1)?.body).toEqual({ username: 'alice', password: 'nope' });
  });

  it('with an identity provider configured, says so and takes its token instead of a password, staff only', async () => {
    const api = fakeFetch((request) => {
      if (request.url === '/v1/auth/config') return { status: 200, body: { mode: 'identity-provider' } };
      if (request.url === '/v1/auth/me') {
        const role = request.headers.Authorization === 'Bearer staff-token' ? 'OPS_AGENT' : 'USER';
        return { status: 200, body: { sub: 'olga', role, expiresAt: null } };
      }
      return undefined;
    });
    function SignedInAs() {
      const { session } = useSession();
      return <p>{session ? `signed in as ${session.username} (${session.role})` : 'signed out'}</p>;
    }
    render(
      <SessionProvider fetch={api.fetch}>
        <MemoryRouter>
          <SignInPage />
          <SignedInAs />
        </MemoryRouter>
      </SessionProvider>,
    );
    expect(await screen.findByText(/signs in through an identity provider/)).toBeTruthy();
    expect(screen.queryByLabelText('Password')).toBeNull();

    await userEvent.type(screen.getByLabelText('Identity provider token'), 'customer-token');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/for staff/);
    expect(screen.getByText('signed out')).toBeTruthy();

    const field = screen.getByLabelText('Identity provider token');
    await userEvent.clear(field);
    await userEvent.type(field, 'staff-token');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('signed in as olga (OPS_AGENT)')).toBeTruthy();
    expect(api.requests.some((request) => request.url === '/v1/auth/login')).toBe(false);
  });
});
