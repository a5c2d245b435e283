import { describe, expect, it } from 'vitest';

import { errorCode, readableMessage, shopApiError } from './errors';

const body = (code: string, message: string, details: unknown = null) => ({ error: { code, message, details } });

describe('readableMessage', () => {
    it("puts the shop's message first and its code last", () => {
        expect(readableMessage(409, body('SELF_LOCKOUT', 'You cannot change your own role.'))).toBe(
            'You cannot change your own role. (SELF_LOCKOUT)'
        );
    });

    it('names each bad field of a validation error', () => {
        const answer = body('VALIDATION_ERROR', 'The request is not valid.', [
            { field: 'body.price_cents', message: 'must be greater than 0' },
            { field: 'body.sku', message: 'is required' },
        ]);
        expect(readableMessage(400, answer)).toBe(
            'The request is not valid. price_cents: must be greater than 0; sku: is required (VALIDATION_ERROR)'
        );
    });

    it('says what it can when the body is not the shop’s', () => {
        expect(readableMessage(502, '<html>')).toBe('The shop did not answer. Try again in a moment.');
        expect(readableMessage(418, null)).toBe('The request failed (HTTP 418).');
    });
});

describe('shopApiError', () => {
    it('carries the status, the code and field errors for the form', () => {
        const error = shopApiError(
            400,
            body('VALIDATION_ERROR', 'Bad.', [{ field: 'body.slug', message: 'must match ^[a-z0-9-]+$' }])
        );
        expect(error.status).toBe(400);
        expect(errorCode(error)).toBe('VALIDATION_ERROR');
        expect((error.body as { errors: Record<string, string> }).errors).toEqual({ slug: 'must match ^[a-z0-9-]+$' });
    });
});
