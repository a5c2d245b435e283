/** The shop's shapes, as the HTTP contract names them. */
export interface Page<T> {
    items: T[];
    next_cursor: string | null;
}

export interface User {
    id: string;
    email: string;
    name: string;
    role: 'customer' | 'admin';
    created_at: string;
    disabled?: boolean;
}

export interface Category {
    id: string;
    name: string;
    slug: string;
    parent_id: string | null;
}

export type ProductStatus = 'DRAFT' | 'ACTIVE' | 'ARCHIVED';

export interface Product {
    id: string;
    sku: string;
    name: string;
    description: string | null;
    price_cents: number;
    currency: string;
    category_id: string;
    status: ProductStatus;
    stock_available: number;
    created_at: string;
    updated_at: string;
}

export interface StockLevels {
    product_id: string;
    available: number;
    reserved: number;
    sold: number;
}

export type OrderStatus = 'PENDING_PAYMENT' | 'PAID' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';

export interface OrderLine {
    product_id: string;
    sku: string;
    name: string;
    unit_price_cents: number;
    quantity: number;
    line_total_cents: number;
}

export interface Address {
    name: string;
    line1: string;
    line2?: string | null;
    city: string;
    postal_code: string;
    country: string;
}

export interface Order {
    id: string;
    user_id: string;
    status: OrderStatus;
    items: OrderLine[];
    subtotal_cents: number;
    shipping_cents: number;
    total_cents: number;
    currency: string;
    shipping_address: Address;
    reservation_expires_at: string | null;
    created_at: string;
    updated_at: string;
}

export interface Payment {
    id: string;
    order_id: string;
    status: 'SUCCEEDED' | 'FAILED' | 'REFUND_PENDING' | 'REFUNDED';
    amount_cents: number;
    currency: string;
    card_brand: string | null;
    card_last4: string | null;
    failure_reason: string | null;
    created_at: string;
}

export interface OrderEvent {
    seq: number;
    type: string;
    occurred_at: string;
    actor: { id: string; role: string };
    data: Record<string, unknown>;
}

export type ShipmentStatus = 'LABEL_CREATED' | 'IN_TRANSIT' | 'OUT_FOR_DELIVERY' | 'DELIVERED' | 'EXCEPTION';

export interface Shipment {
    id: string;
    order_id: string;
    carrier: string;
    tracking_number: string;
    status: ShipmentStatus;
    events: { status: string; location: string | null; note: string | null; occurred_at: string }[];
    created_at: string;
    updated_at: string;
}

export interface SalesStats {
    orders_count: number;
    revenue_cents: number;
    average_order_cents: number;
    by_day: { date: string; orders_count: number; revenue_cents: number }[];
    top_products: { product_id: string; name: string; units: number; revenue_cents: number }[];
    by_status: Record<string, number>;
}

export interface AuditEntry {
    id: string;
    at: string;
    actor_id: string;
    actor_role: string;
    action: string;
    target_type: string;
    target_id: string;
    request_id: string;
    details: Record<string, unknown>;
}
