import { shopApiError } from './errors';
import type { Session } from './session';

const SIGNED_OUT = { error: { code: 'UNAUTHORIZED', message: 'Please sign in.', details: null } };

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
    body?: unknown;
    query?: Query;
    /** Send the access token (default); false for the sign-in calls. */
    auth?: boolean;
}

export interface ShopClient {
    request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
}

export const withQuery = (path: string, query: Query = {}): string => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
        if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    }
    const text = params.toString();
    return text ? `${path}?${text}` : path;
};

const parse = async (answer: Response): Promise<unknown> => {
    if (answer.status === 204) return null;
    const text = await answer.text();
    if (!text) return null;
    try {
        return JSON.parse(text);
    } catch {
        return null;
    }
};

/** Every call to the shop: JSON both ways, the bearer token, one refresh-and-retry on a 401. */
export const createClient = (session: Session, fetchImpl: typeof fetch, baseUrl = ''): ShopClient => {
    const send = async (method: string, path: string, options: RequestOptions): Promise<Response> => {
        const headers: Record<string, string> = { Accept: 'application/json' };
        if (options.body !== undefined) headers['Content-Type'] = 'application/json';
        const token = options.auth === false ? null : session.accessToken();
        if (token) headers.Authorization = `Bearer ${token}`;
        try {
            return await fetchImpl(`${baseUrl}${withQuery(path, options.query)}`, {
                method,
                headers,
                body: options.body === undefined ? undefined : JSON.stringify(options.body),
                credentials: 'omit',
            });
        } catch {
            throw shopApiError(0, null);
        }
    };

    return {
        async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
            if (options.auth !== false && !session.accessToken() && !(await session.refresh())) {
                // Signed out: nothing to ask the shop (react-admin then shows the sign-in screen).
                throw shopApiError(401, SIGNED_OUT);
            }
            let answer = await send(method, path, options);
            if (answer.status === 401 && options.auth !== false && (await session.refresh())) {
                answer = await send(method, path, options);
            }
            const body = await parse(answer);
            if (!answer.ok) throw shopApiError(answer.status, body);
            return body as T;
        },
    };
};
