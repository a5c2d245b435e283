import type { DataProvider, GetListParams, GetListResult, Identifier, RaRecord } from 'react-admin';

import type { ShopClient } from './client';
import { CursorPages } from './cursorPages';
import { shopApiError } from './errors';
import type {
    Category,
    Order,
    OrderEvent,
    Page,
    Payment,
    Product,
    SalesStats,
    Shipment,
    ShipmentStatus,
    StockLevels,
    User,
} from './types';

/** Lists the shop pages with cursors, and the filters each one takes (anything else is dropped). */
const CURSOR_LISTS: Record<string, { path: string; filters: string[] }> = {
    products: { path: '/products', filters: ['q', 'category_id'] },
    inventory: { path: '/admin/inventory', filters: ['below'] },
    orders: { path: '/admin/orders', filters: ['status'] },
    users: { path: '/admin/users', filters: [] },
    audit: { path: '/admin/audit', filters: ['actor_id', 'action'] },
};

/** What each resource's PATCH accepts; an update sends only those that changed. */
const PATCHABLE: Record<string, string[]> = {
    products: ['sku', 'name', 'description', 'price_cents', 'currency', 'category_id', 'status'],
    categories: ['name', 'slug', 'parent_id'],
    users: ['role', 'disabled'],
};

const CREATABLE: Record<string, { path: string; fields: string[] }> = {
    products: {
        path: '/products',
        fields: ['sku', 'name', 'description', 'price_cents', 'currency', 'category_id', 'status'],
    },
    categories: { path: '/categories', fields: ['name', 'slug', 'parent_id'] },
};

const ITEM_PATHS: Record<string, string> = {
    products: '/products',
    orders: '/orders',
    categories: '/categories',
    users: '/admin/users',
};

export interface TrackingUpdate {
    status: ShipmentStatus;
    location?: string;
    note?: string;
}

/** The shop's operations that are not create/read/update/delete of one resource. */
export interface ShopOperations {
    salesStats(from?: string, to?: string): Promise<SalesStats>;
    stockLevels(productId: Identifier): Promise<StockLevels>;
    adjustStock(productId: Identifier, delta: number, reason: string): Promise<StockLevels>;
    orderPayments(orderId: Identifier): Promise<Payment[]>;
    orderEvents(orderId: Identifier): Promise<OrderEvent[]>;
    /** The order's shipment, or null before it ships. */
    orderShipment(orderId: Identifier): Promise<Shipment | null>;
    shipOrder(orderId: Identifier, carrier: string): Promise<Shipment>;
    trackShipment(shipmentId: Identifier, update: TrackingUpdate): Promise<Shipment>;
    cancelOrder(orderId: Identifier): Promise<Order>;
    me(): Promise<User>;
}

export type ShopDataProvider = DataProvider & ShopOperations;

const pick = (record: Record<string, unknown>, fields: string[]) =>
    Object.fromEntries(fields.filter(f => record[f] !== undefined && record[f] !== '').map(f => [f, record[f]]));

/** The fields of `data` that differ from `previous`, among those the PATCH accepts. */
export const changedFields = (
    fields: string[],
    data: Record<string, unknown>,
    previous: Record<string, unknown>
): Record<string, unknown> => {
    const changes: Record<string, unknown> = {};
    for (const field of fields) {
        if (!(field in data) || data[field] === previous[field]) continue;
        const value = data[field];
        // An emptied optional text is sent as "", except where the shop takes null (parent_id).
        changes[field] = value === null && field === 'description' ? '' : value;
    }
    return changes;
};

const unsupported = (what: string, resource: string) =>
    Promise.reject(new Error(`The console cannot ${what} ${resource}: the shop has no such route.`));

export const createDataProvider = (client: ShopClient): ShopDataProvider => {
    const pages = new CursorPages();
    const get = <T>(path: string, query?: Record<string, string | number | undefined>) =>
        client.request<T>('GET', path, { query });

    const categories = () => get<Page<Category>>('/categories').then(page => page.items);

    const cursorList = async (resource: string, params: GetListParams): Promise<GetListResult> => {
        const { path, filters } = CURSOR_LISTS[resource];
        const perPage = params.pagination?.perPage ?? 20;
        const wanted = params.pagination?.page ?? 1;
        const filter = pick(params.filter ?? {}, filters) as Record<string, string | number>;
        const key = JSON.stringify([resource, filter, perPage]);
        let page = pages.lastKnown(key, wanted);
        let cursor = pages.start(key, page) ?? null;
        for (;;) {
            const answer = await get<Page<RaRecord>>(path, { ...filter, limit: perPage, cursor: cursor ?? undefined });
            pages.record(key, page, answer.next_cursor);
            if (page === wanted || answer.next_cursor === null) {
                const data = page === wanted ? answer.items : [];
                const last = answer.next_cursor === null;
                return {
                    data,
                    // The shop does not count; on the last page the count is known all the same.
                    total: last ? (page - 1) * perPage + answer.items.length : undefined,
                    pageInfo: { hasNextPage: !last, hasPreviousPage: wanted > 1 },
                };
            }
            cursor = answer.next_cursor;
            page += 1;
        }
    };

    const categoryList = async (params: GetListParams): Promise<GetListResult> => {
        const q = String(params.filter?.q ?? '').toLowerCase();
        const all = (await categories()).filter(c => !q || c.name.toLowerCase().includes(q));
        const { page = 1, perPage = 25 } = params.pagination ?? {};
        return { data: all.slice((page - 1) * perPage, page * perPage), total: all.length };
    };

    const getOne = async (resource: string, id: Identifier): Promise<RaRecord> => {
        if (resource === 'categories') {
            const found = (await categories()).find(c => c.id === id);
            if (!found) throw shopApiError(404, { error: { code: 'NOT_FOUND', message: 'No such category.', details: null } });
            return found;
        }
        if (resource === 'inventory') {
            const [product, levels] = await Promise.all([
                get<Product>(`/products/${encodeURIComponent(id)}`),
                get<StockLevels>(`/admin/inventory/${encodeURIComponent(id)}`),
            ]);
            return { ...product, ...levels };
        }
        const path = ITEM_PATHS[resource];
        if (!path || resource === 'users') return unsupported('read one of', resource);
        return get<RaRecord>(`${path}/${encodeURIComponent(id)}`);
    };

    const provider: ShopDataProvider = {
        getList: (resource, params) =>
            resource === 'categories' ? categoryList(params) : CURSOR_LISTS[resource] ? cursorList(resource, params) : unsupported('list', resource),

        getOne: async (resource, params) => ({ data: (await getOne(resource, params.id)) as never }),

        getMany: async (resource, params) => {
            if (resource === 'categories') {
                const wanted = new Set(params.ids);
                return { data: (await categories()).filter(c => wanted.has(c.id)) as never[] };
            }
            return { data: (await Promise.all(params.ids.map(id => getOne(resource, id)))) as never[] };
        },

        getManyReference: (resource, params) =>
            provider.getList(resource, { ...params, filter: { ...params.filter, [params.target]: params.id } }),

        create: async (resource, params) => {
            const spec = CREATABLE[resource];
            if (!spec) return unsupported('create', resource);
            const made = await client.request<RaRecord>('POST', spec.path, { body: pick(params.data, spec.fields) });
            return { data: made as never };
        },

        update: async (resource, params) => {
            const fields = PATCHABLE[resource];
            if (!fields) return unsupported('change', resource);
            const changes = changedFields(fields, params.data, params.previousData ?? {});
            if (Object.keys(changes).length === 0) return { data: params.previousData as never };
            const path = `${ITEM_PATHS[resource]}/${encodeURIComponent(params.id)}`;
            const saved = await client.request<RaRecord>('PATCH', path, { body: changes });
            return { data: saved as never };
        },

        updateMany: async (resource, params) => {
            for (const id of params.ids) {
                await provider.update(resource, { id, data: params.data, previousData: { id } });
            }
            return { data: params.ids };
        },

        delete: async (resource, params) => {
            if (resource !== 'products' && resource !== 'categories') return unsupported('delete', resource);
            await client.request('DELETE', `${ITEM_PATHS[resource]}/${encodeURIComponent(params.id)}`);
            // Deleting a product archives it: it stays, with status ARCHIVED.
            const previous = (params.previousData ?? { id: params.id }) as RaRecord;
            return { data: (resource === 'products' ? { ...previous, status: 'ARCHIVED' } : previous) as never };
        },

        deleteMany: async (resource, params) => {
            for (const id of params.ids) await provider.delete(resource, { id });
            return { data: params.ids };
        },

        salesStats: (from, to) => get<SalesStats>('/admin/stats/sales', { from, to }),
        stockLevels: id => get<StockLevels>(`/admin/inventory/${encodeURIComponent(id)}`),
        adjustStock: (id, delta, reason) =>
            client.request<StockLevels>('POST', `/admin/inventory/${encodeURIComponent(id)}/adjustments`, {
                body: { delta, reason },
            }),
        orderPayments: id => get<{ items: Payment[] }>(`/orders/${encodeURIComponent(id)}/payments`).then(p => p.items),
        orderEvents: id => get<{ items: OrderEvent[] }>(`/orders/${encodeURIComponent(id)}/events`).then(p => p.items),
        orderShipment: async id => {
            try {
                return await get<Shipment>(`/orders/${encodeURIComponent(id)}/shipment`);
            } catch (error) {
                if ((error as { status?: number }).status === 404) return null;
                throw error;
            }
        },
        shipOrder: (id, carrier) =>
            client.request<Shipment>('POST', `/admin/orders/${encodeURIComponent(id)}/shipments`, { body: { carrier } }),
        trackShipment: (id, update) =>
            client.request<Shipment>('POST', `/admin/shipments/${encodeURIComponent(id)}/tracking`, {
                body: pick(update as unknown as Record<string, unknown>, ['status', 'location', 'note']),
            }),
        cancelOrder: id => client.request<Order>('POST', `/orders/${encodeURIComponent(id)}/cancel`),
        me: () => get<User>('/auth/me'),
    };
    return provider;
};

