import { readClaims } from './jwt';

/** What /auth/login and /auth/refresh answer (login adds `user`). */
export interface TokenAnswer {
    access_token: string;
    refresh_token: string;
    expires_in: number;
}

export interface SessionOptions {
    fetch: typeof fetch;
    baseUrl?: string;
    now?: () => number;
    setTimer?: (run: () => void, delayMs: number) => unknown;
    clearTimer?: (timer: unknown) => void;
}

/**
 * The signed-in admin's tokens, held only in this closure's variables.
 *
 * The refresh token is never written to localStorage, sessionStorage, a cookie or any global,
 * so a script injected into the page cannot simply read it from storage; the price is that a
 * reload (or a new tab) starts signed out. The access token is renewed before it expires,
 * and each refresh spends the old refresh token (the shop rotates them).
 */
export interface Session {
    begin(answer: TokenAnswer): void;
    active(): boolean;
    accessToken(): string | null;
    role(): string | null;
    userId(): string | null;
    /** Renew both tokens now; false when the shop refuses (the session is then over). */
    refresh(): Promise<boolean>;
    /** Revoke the refresh token's family at the shop and forget both tokens. */
    end(): Promise<void>;
}

const RETRY_MS = 10_000;

/** When to renew: a minute before expiry, or halfway for very short-lived tokens. */
export const refreshDelayMs = (expiresInSeconds: number): number =>
    Math.max(expiresInSeconds * 500, (expiresInSeconds - 60) * 1000);

export const createSession = (options: SessionOptions): Session => {
    const baseUrl = options.baseUrl ?? '';
    const now = options.now ?? (() => Date.now());
    const setTimer = options.setTimer ?? ((run, delay) => setTimeout(run, delay));
    const clearTimer = options.clearTimer ?? (timer => clearTimeout(timer as ReturnType<typeof setTimeout>));

    let access: string | null = null;
    let refreshToken: string | null = null;
    let expiresAt = 0;
    let timer: unknown = null;
    let inFlight: Promise<boolean> | null = null;

    const forget = () => {
        if (timer !== null) clearTimer(timer);
        timer = null;
        access = null;
        refreshToken = null;
        expiresAt = 0;
    };

    const schedule = (delayMs: number) => {
        if (timer !== null) clearTimer(timer);
        timer = setTimer(() => {
            timer = null;
            void session.refresh();
        }, delayMs);
    };

    const post = (path: string, body: unknown) =>
        options.fetch(`${baseUrl}${path}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
            body: JSON.stringify(body),
            credentials: 'omit',
        });

    const renew = async (): Promise<boolean> => {
        const spent = refreshToken;
        if (spent === null) return false;
        let answer: Response;
        try {
            answer = await post('/auth/refresh', { refresh_token: spent });
        } catch {
            // The shop is unreachable: keep the tokens and try again while the access token lasts.
            if (expiresAt > now() + RETRY_MS) schedule(RETRY_MS);
            return false;
        }
        if (!answer.ok) {
            if (answer.status >= 500 && expiresAt > now() + RETRY_MS) {
                schedule(RETRY_MS);
                return false;
            }
            forget();
            return false;
        }
        session.begin((await answer.json()) as TokenAnswer);
        return true;
    };

    const session: Session = {
        begin(answer) {
            access = answer.access_token;
            refreshToken = answer.refresh_token;
            expiresAt = now() + answer.expires_in * 1000;
            schedule(refreshDelayMs(answer.expires_in));
        },
        active: () => access !== null && now() < expiresAt,
        accessToken: () => access,
        role: () => (access ? (readClaims(access).role ?? null) : null),
        userId: () => (access ? (readClaims(access).sub ?? null) : null),
        refresh() {
            inFlight ??= renew().finally(() => {
                inFlight = null;
            });
            return inFlight;
        },
        async end() {
            const spent = refreshToken;
            forget();
            if (spent === null) return;
            try {
                await post('/auth/logout', { refresh_token: spent });
            } catch {
                // Signed out here either way; the family expires at the shop on its own.
            }
        },
    };
    return session;
};
