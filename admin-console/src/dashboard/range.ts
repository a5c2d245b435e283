/** The dashboard's date range: UTC days as YYYY-MM-DD, like the shop's sales statistics. */
export interface DateRange {
    from: string;
    to: string;
}

export const utcDay = (date: Date): string => date.toISOString().slice(0, 10);

/** The last `days` days, today included (the shop's own default is 30). */
export const lastDays = (days: number, today: Date = new Date()): DateRange => {
    const first = new Date(today.getTime() - (days - 1) * 86_400_000);
    return { from: utcDay(first), to: utcDay(today) };
};

/** A range the shop accepts: from <= to, at most 366 days. */
export const rangeProblem = ({ from, to }: DateRange): string | null => {
    if (!from || !to) return 'Choose both dates.';
    if (from > to) return '“From” must not be after “To”.';
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
    return days > 366 ? 'The range can span at most 366 days.' : null;
};
