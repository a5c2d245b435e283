/** Minor units to a price a person reads, e.g. 4500 USD -> $45.00. */
export const money = (cents: number | null | undefined, currency = 'USD'): string =>
    cents === null || cents === undefined
        ? ''
        : new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);

export const dateTime = (iso: string | null | undefined): string =>
    iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC' : '';

/** PENDING_PAYMENT -> Pending payment. */
export const humanize = (code: string): string => {
    const words = code.toLowerCase().replace(/[_.]/g, ' ');
    return words.charAt(0).toUpperCase() + words.slice(1);
};

export const shortId = (id: string): string => id.slice(0, 8);
