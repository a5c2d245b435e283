/**
 * react-admin asks for page N; the shop pages with opaque cursors. This remembers, per list and
 * filter, the cursor that starts each page seen so far (page 1 starts with none), so that
 * "next" and "previous" are one request each, and a page never seen is reached by walking on
 * from the last one known.
 */
export class CursorPages {
    private readonly starts = new Map<string, (string | null)[]>();

    /** The cursor that starts `page` (1-based), or undefined when it is not known yet. */
    start(key: string, page: number): string | null | undefined {
        if (page === 1) return null;
        return this.starts.get(key)?.[page - 1];
    }

    /** The highest page whose start is known (at least 1). */
    lastKnown(key: string, upTo: number): number {
        const known = this.starts.get(key) ?? [];
        for (let page = Math.min(upTo, known.length); page > 1; page -= 1) {
            if (known[page - 1] !== undefined) return page;
        }
        return 1;
    }

    /** Page `page` was fetched and said where the next one starts (null: it is the last). */
    record(key: string, page: number, next: string | null): void {
        const known = this.starts.get(key) ?? [null];
        if (next === null) known.length = Math.min(known.length, page);
        else known[page] = next;
        this.starts.set(key, known);
    }
}
