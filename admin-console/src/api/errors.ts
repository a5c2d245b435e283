import { HttpError } from 'react-admin';

/** The shop's error body: `{"error": {"code", "message", "details"}}`. */
export interface ShopErrorBody {
    error: { code: string; message: string; details: unknown };
}

interface FieldDetail {
    field?: unknown;
    message?: unknown;
}

const isShopError = (body: unknown): body is ShopErrorBody => {
    const error = (body as ShopErrorBody | null)?.error;
    return typeof error === 'object' && error !== null && typeof error.code === 'string';
};

/** `body.price_cents` -> `price_cents`: what a form calls the field. */
const fieldName = (field: string): string => field.replace(/^(body|query|path)\./, '');

/** One line per detail the shop gave, e.g. `price_cents: must be greater than 0`. */
const detailLines = (details: unknown): string[] => {
    if (!Array.isArray(details)) return [];
    return details.map(detail => {
        const { field, message } = (detail ?? {}) as FieldDetail;
        if (typeof field === 'string' && typeof message === 'string') return `${fieldName(field)}: ${message}`;
        return Object.entries(detail as Record<string, unknown>)
            .map(([key, value]) => `${key} ${String(value)}`)
            .join(', ');
    });
};

/** A sentence for a person: the shop's own message, its details, and the code to quote. */
export const readableMessage = (status: number, body: unknown): string => {
    if (!isShopError(body)) {
        return status >= 500 || status === 0
            ? 'The shop did not answer. Try again in a moment.'
            : `The request failed (HTTP ${status}).`;
    }
    const { code, message, details } = body.error;
    const lines = detailLines(details);
    const text = lines.length ? `${message} ${lines.join('; ')}` : message;
    return `${text} (${code})`;
};

/** Field errors for react-admin's forms, from a VALIDATION_ERROR's details. */
const fieldErrors = (body: unknown): Record<string, string> | undefined => {
    if (!isShopError(body) || !Array.isArray(body.error.details)) return undefined;
    const errors: Record<string, string> = {};
    for (const detail of body.error.details as FieldDetail[]) {
        if (typeof detail?.field === 'string' && typeof detail.message === 'string') {
            errors[fieldName(detail.field)] = detail.message;
        }
    }
    return Object.keys(errors).length ? errors : undefined;
};

/**
 * The error every data and auth call rejects with: react-admin's HttpError (it shows `message`
 * to the user and hands `body.errors` to forms). HttpError resets its prototype, so it is made
 * here rather than subclassed.
 */
export const shopApiError = (status: number, body: unknown): HttpError => {
    const errors = fieldErrors(body);
    return new HttpError(readableMessage(status, body), status, errors ? { ...(body as object), errors } : body);
};

/** The shop's error code of a rejected call (e.g. SELF_LOCKOUT), or null. */
export const errorCode = (error: unknown): string | null => {
    const body = (error as { body?: unknown } | null)?.body;
    return isShopError(body) ? body.error.code : null;
};
