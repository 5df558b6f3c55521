import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiRequest } from '../../../api/client';
import { jsonResponse, mockApi, renderWithProviders } from '../../../test/render';
import { AuthGate } from './AuthGate';

afterEach(() => vi.restoreAllMocks());

const bob = { id: 2, username: 'bob', is_admin: false, disabled: false, created_at: '2026-01-01T00:00:00Z' };
const signedIn = { mode: 'signed-in', user: bob, teams: [] };

describe('AuthGate', () => {
  it("signs in through the Sign-in page, showing the server's sentence on a refusal (429 too)", async () => {
    let attempts = 0;
    mockApi({
      'GET /api/auth/me': () => jsonResponse({ mode: 'signed-out', user: null, teams: [] }),
      'POST /api/auth/login': ({ body }) => {
        attempts += 1;
        if (attempts === 1) return jsonResponse({ detail: 'Too many failed sign-ins from this address: wait 5 minutes and try again.' }, 429);
        expect(body).toEqual({ username: 'bob', password: 'secret-password' });
        return jsonResponse(signedIn);
      },
      'GET /api/teams/': () => jsonResponse([]),
    });
    renderWithProviders(<AuthGate>the app</AuthGate>);
    const user = userEvent.setup();
    await user.type(await screen.findByRole('textbox', { name: 'User name' }), 'bob');
    await user.type(screen.getByLabelText(/^Password/, { selector: 'input' }), 'secret-password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many failed sign-ins from this address');
    expect(screen.queryByText('the app')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('the app')).toBeInTheDocument();
  });

  it('shows the app in single-user mode, and the Sign-in page after any 401', async () => {
    mockApi({
      'GET /api/auth/me': () => jsonResponse({ mode: 'single-user', user: null, teams: [] }),
      'GET /api/presets/': () => jsonResponse({ detail: 'Sign in first: this service has user accounts.' }, 401),
    });
    renderWithProviders(<AuthGate>the app</AuthGate>);
    expect(await screen.findByText('the app')).toBeInTheDocument();
    await expect(apiRequest('/api/presets/')).rejects.toThrow('Sign in first');
    expect(await screen.findByRole('form', { name: 'Sign in' })).toBeInTheDocument();
  });
});
