/** A scripted fetch for the unit tests: answers in order, and records what was asked. */
export interface Call {
    url: string;
    method: string;
    headers: Record<string, string>;
    body: unknown;
}

export const jsonAnswer = (status: number, body: unknown): Response =>
    new Response(status === 204 ? null : JSON.stringify(body), {
        status,
        headers: { 'Content-Type': 'application/json' },
    });

export const scriptedFetch = (...answers: Response[]) => {
    const calls: Call[] = [];
    const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
        calls.push({
            url: String(input),
            method: init?.method ?? 'GET',
            headers: (init?.headers ?? {}) as Record<string, string>,
            body: init?.body ? JSON.parse(String(init.body)) : undefined,
        });
        const next = answers.shift();
        if (!next) throw new Error(`unexpected request ${init?.method ?? 'GET'} ${String(input)}`);
        return next;
    };
    return { calls, fetch: fetchImpl as typeof fetch };
};

/** An unsigned token with the given claims: the console reads claims, the shop verifies them. */
export const fakeToken = (claims: Record<string, unknown>): string => {
    const part = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    return `${part({ alg: 'ES256', kid: 'k1' })}.${part(claims)}.signature`;
};
