import { describe, expect, it } from 'vitest';

import { createClient } from '../api/client';
import { createSession } from '../api/session';
import { fakeToken, jsonAnswer, scriptedFetch } from '../api/testing';
import { NOT_AN_ADMIN, createAuthProvider } from './authProvider';

const login = (role: string) =>
    jsonAnswer(200, {
        user: { id: 'u1', email: 'someone@example.com', name: 'Someone', role, created_at: '2026-01-01T00:00:00Z' },
        access_token: fakeToken({ sub: 'u1', role }),
        refresh_token: `refresh-${role}`,
        token_type: 'Bearer',
        expires_in: 900,
    });

const auth = (...answers: Response[]) => {
    const shop = scriptedFetch(...answers);
    const session = createSession({ fetch: shop.fetch, setTimer: () => null, clearTimer: () => undefined });
    return { shop, session, provider: createAuthProvider(session, createClient(session, shop.fetch)) };
};

describe('authProvider', () => {
    it('lets an admin in', async () => {
        const { provider, session } = auth(login('admin'));
        await provider.login({ email: 'a@example.com', password: 'a long password' });
        await expect(provider.checkAuth({})).resolves.toBeUndefined();
        expect(session.role()).toBe('admin');
        expect(await provider.getIdentity!()).toEqual({ id: 'u1' });
    });

    it('refuses a customer plainly, and revokes the session it was given', async () => {
        const { provider, shop, session } = auth(login('customer'), jsonAnswer(204, null));
        await expect(provider.login({ email: 'c@example.com', password: 'a long password' })).rejects.toThrow(NOT_AN_ADMIN);
        expect(shop.calls.map(c => c.url)).toEqual(['/auth/login', '/auth/logout']);
        expect(shop.calls[1].body).toEqual({ refresh_token: 'refresh-customer' });
        expect(session.active()).toBe(false);
        await expect(provider.checkAuth({})).rejects.toEqual({ message: false });
    });

    it("shows the shop's refusal of a wrong password", async () => {
        const { provider } = auth(
            jsonAnswer(401, { error: { code: 'INVALID_CREDENTIALS', message: 'The email or password is wrong.', details: null } })
        );
        await expect(provider.login({ email: 'a@example.com', password: 'nope' })).rejects.toThrow(
            'The email or password is wrong. (INVALID_CREDENTIALS)'
        );
    });

    it('signs out on a 401 that a refresh could not cure', async () => {
        const { provider } = auth(login('admin'), jsonAnswer(204, null));
        await provider.login({ email: 'a@example.com', password: 'a long password' });
        await expect(provider.checkError({ status: 401 })).rejects.toThrow('Your session has ended');
        await expect(provider.checkError({ status: 409 })).resolves.toBeUndefined();
    });
});
