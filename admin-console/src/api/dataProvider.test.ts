import { describe, expect, it } from 'vitest';

import { createClient } from './client';
import { changedFields, createDataProvider } from './dataProvider';
import { errorCode } from './errors';
import { createSession } from './session';
import { fakeToken, jsonAnswer, scriptedFetch } from './testing';

const provider = (...answers: Response[]) => {
    const shop = scriptedFetch(...answers);
    const session = createSession({ fetch: shop.fetch, setTimer: () => null, clearTimer: () => undefined });
    session.begin({ access_token: fakeToken({ role: 'admin' }), refresh_token: 'r1', expires_in: 900 });
    return { shop, data: createDataProvider(createClient(session, shop.fetch)) };
};

const page = (ids: string[], next: string | null) => jsonAnswer(200, { items: ids.map(id => ({ id })), next_cursor: next });
const listParams = (pageNumber: number, filter: Record<string, unknown> = {}) => ({
    pagination: { page: pageNumber, perPage: 2 },
    sort: { field: 'id', order: 'ASC' as const },
    filter,
});

describe('getList over cursor pages', () => {
    it('follows next_cursor page by page and sends only the filters the route takes', async () => {
        const { shop, data } = provider(page(['a', 'b'], 'c2'), page(['c', 'd'], 'c3'), page(['c', 'd'], 'c3'));
        const first = await data.getList('orders', listParams(1, { status: 'PAID', junk: 'x' }));
        expect(first.data.map(r => r.id)).toEqual(['a', 'b']);
        expect(first.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false });
        expect(first.total).toBeUndefined();
        await data.getList('orders', listParams(2, { status: 'PAID', junk: 'x' }));
        await data.getList('orders', listParams(2, { status: 'PAID' }));
        expect(shop.calls.map(c => c.url)).toEqual([
            '/admin/orders?status=PAID&limit=2',
            '/admin/orders?status=PAID&limit=2&cursor=c2',
            '/admin/orders?status=PAID&limit=2&cursor=c2',
        ]);
    });

    it('walks from the last page it knows to a page never seen, and counts the last page', async () => {
        const { shop, data } = provider(page(['a', 'b'], 'c2'), page(['c', 'd'], 'c3'), page(['e'], null));
        const third = await data.getList('products', listParams(3, { q: 'mug' }));
        expect(third.data.map(r => r.id)).toEqual(['e']);
        expect(third.total).toBe(5);
        expect(third.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true });
        expect(shop.calls.map(c => c.url)).toEqual([
            '/products?q=mug&limit=2',
            '/products?q=mug&limit=2&cursor=c2',
            '/products?q=mug&limit=2&cursor=c3',
        ]);
    });

    it('lists categories whole, filtered and paged in the console', async () => {
        const categories = ['Lamps', 'Mugs', 'Plates'].map((name, i) => ({ id: `c${i}`, name, slug: name.toLowerCase(), parent_id: null }));
        const { data } = provider(jsonAnswer(200, { items: categories, next_cursor: null }));
        const found = await data.getList('categories', listParams(1, { q: 'M' }));
        expect(found.data.map(c => c.name)).toEqual(['Lamps', 'Mugs']);
        expect(found.total).toBe(2);
    });
});

describe('writes', () => {
    it('patches only what changed', () => {
        const fields = ['name', 'price_cents', 'status', 'description'];
        expect(
            changedFields(fields, { id: 'p', name: 'Lamp', price_cents: 4600, status: 'ACTIVE', description: null, stock_available: 3 }, {
                id: 'p',
                name: 'Lamp',
                price_cents: 4500,
                status: 'ACTIVE',
                description: 'Bright',
            })
        ).toEqual({ price_cents: 4600, description: '' });
    });

    it('archives a product on delete', async () => {
        const { shop, data } = provider(jsonAnswer(204, null));
        const result = await data.delete('products', { id: 'p1', previousData: { id: 'p1', status: 'ACTIVE' } });
        expect(shop.calls[0]).toEqual(expect.objectContaining({ method: 'DELETE', url: '/products/p1' }));
        expect(result.data).toEqual({ id: 'p1', status: 'ARCHIVED' });
    });

    it("rejects with the shop's error as a readable message", async () => {
        const refusal = { error: { code: 'SELF_LOCKOUT', message: 'An admin cannot change their own access.', details: null } };
        const { data } = provider(jsonAnswer(409, refusal));
        const attempt = data.update('users', { id: 'u1', data: { id: 'u1', disabled: true }, previousData: { id: 'u1', disabled: false } });
        await expect(attempt).rejects.toThrow('An admin cannot change their own access. (SELF_LOCKOUT)');
        expect(errorCode(await attempt.catch(error => error))).toBe('SELF_LOCKOUT');
    });

    it('refreshes once on a 401 and retries with the new token', async () => {
        const renewed = fakeToken({ role: 'admin', jti: 'new' });
        const { shop, data } = provider(
            jsonAnswer(401, { error: { code: 'UNAUTHORIZED', message: 'A valid access token is required.', details: null } }),
            jsonAnswer(200, { access_token: renewed, refresh_token: 'r2', expires_in: 900 }),
            jsonAnswer(200, { product_id: 'p1', available: 3, reserved: 0, sold: 1 })
        );
        expect((await data.stockLevels('p1')).available).toBe(3);
        expect(shop.calls.map(c => c.url)).toEqual(['/admin/inventory/p1', '/auth/refresh', '/admin/inventory/p1']);
        expect(shop.calls[2].headers.Authorization).toBe(`Bearer ${renewed}`);
    });

    it('reads "not shipped yet" as no shipment', async () => {
        const { data } = provider(jsonAnswer(404, { error: { code: 'NOT_FOUND', message: 'No shipment.', details: null } }));
        expect(await data.orderShipment('o1')).toBeNull();
    });
});

describe('signed out', () => {
    it('asks the shop nothing without a session', async () => {
        const shop = scriptedFetch();
        const session = createSession({ fetch: shop.fetch, setTimer: () => null, clearTimer: () => undefined });
        const data = createDataProvider(createClient(session, shop.fetch));
        await expect(data.getList('orders', listParams(1))).rejects.toMatchObject({ status: 401 });
        expect(shop.calls).toEqual([]);
    });
});
