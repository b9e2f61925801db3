import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';

import { SessionProvider } from '../../lib/session';
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
});
