import { describe, expect, it } from 'vitest';

import { createSession, refreshDelayMs } from './session';
import { fakeToken, jsonAnswer, scriptedFetch } from './testing';

const tokens = (name: string, role = 'admin', expiresIn = 900) => ({
    access_token: fakeToken({ sub: 'u1', role, jti: name }),
    refresh_token: `refresh-${name}`,
    token_type: 'Bearer',
    expires_in: expiresIn,
});

/** A clock and one timer slot the test moves by hand. */
const manualTime = () => {
    const state = { now: 0, timer: null as null | { at: number; run: () => void } };
    return {
        state,
        options: {
            now: () => state.now,
            setTimer: (run: () => void, delay: number) => (state.timer = { at: state.now + delay, run }),
            clearTimer: () => (state.timer = null),
        },
        async advance(ms: number) {
            state.now += ms;
            const due = state.timer;
            if (due && due.at <= state.now) {
                state.timer = null;
                due.run();
                await new Promise(resolve => setTimeout(resolve, 0));
            }
        },
    };
};

describe('refreshDelayMs', () => {
    it('renews a minute before expiry, or halfway through a short lifetime', () => {
        expect(refreshDelayMs(900)).toBe(840_000);
        expect(refreshDelayMs(60)).toBe(30_000);
    });
});

describe('createSession', () => {
    it('rotates the refresh token before the access token expires', async () => {
        const time = manualTime();
        const shop = scriptedFetch(jsonAnswer(200, tokens('second')));
        const session = createSession({ fetch: shop.fetch, ...time.options });
        session.begin(tokens('first'));

        await time.advance(839_000);
        expect(shop.calls).toHaveLength(0);
        await time.advance(1_000);

        expect(shop.calls).toEqual([
            expect.objectContaining({ url: '/auth/refresh', method: 'POST', body: { refresh_token: 'refresh-first' } }),
        ]);
        expect(session.accessToken()).toBe(tokens('second').access_token);
        expect(session.active()).toBe(true);
    });

    it('asks once when several callers want a refresh at the same moment', async () => {
        const shop = scriptedFetch(jsonAnswer(200, tokens('second')));
        const session = createSession({ fetch: shop.fetch, ...manualTime().options });
        session.begin(tokens('first'));
        const results = await Promise.all([session.refresh(), session.refresh(), session.refresh()]);
        expect(results).toEqual([true, true, true]);
        expect(shop.calls).toHaveLength(1);
    });

    it('ends when the shop refuses the refresh token', async () => {
        const refusal = { error: { code: 'TOKEN_REUSED', message: 'Reused.', details: null } };
        const session = createSession({ fetch: scriptedFetch(jsonAnswer(401, refusal)).fetch, ...manualTime().options });
        session.begin(tokens('first'));
        expect(await session.refresh()).toBe(false);
        expect(session.active()).toBe(false);
        expect(session.accessToken()).toBeNull();
    });

    it('revokes the refresh token at sign-out and forgets both tokens', async () => {
        const shop = scriptedFetch(jsonAnswer(204, null));
        const session = createSession({ fetch: shop.fetch, ...manualTime().options });
        session.begin(tokens('first'));
        await session.end();
        expect(shop.calls).toEqual([expect.objectContaining({ url: '/auth/logout', body: { refresh_token: 'refresh-first' } })]);
        expect(session.active()).toBe(false);
        expect(await session.refresh()).toBe(false);
    });

    it('keeps no token anywhere but in itself', () => {
        const session = createSession({ fetch: scriptedFetch().fetch, ...manualTime().options });
        session.begin(tokens('first'));
        expect(JSON.stringify(session)).not.toContain('refresh-first');
        expect(Object.values(session).every(value => typeof value === 'function')).toBe(true);
    });

    it('reads the role from the access token', () => {
        const session = createSession({ fetch: scriptedFetch().fetch, ...manualTime().options });
        session.begin(tokens('first', 'customer'));
        expect(session.role()).toBe('customer');
    });
});
