import { useTheme } from '@mui/material';
import { Bar, BarChart, CartesianGrid, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

import type { SalesStats } from '../api/types';
import { humanize, money } from '../format';

/** Revenue per day of the range, zeros included. */
export const RevenueChart = ({ stats }: { stats: SalesStats }) => {
    const theme = useTheme();
    const data = stats.by_day.map(day => ({ ...day, revenue: day.revenue_cents / 100 }));
    return (
        <figure style={{ margin: 0 }} aria-label="Revenue by day" data-testid="revenue-chart">
            <ResponsiveContainer width="100%" height={260}>
                <BarChart data={data} margin={{ top: 10, right: 10, left: 10, bottom: 0 }}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="date" tickFormatter={(d: string) => d.slice(5)} minTickGap={16} />
                    <YAxis tickFormatter={(v: number) => `$${v}`} width={70} />
                    <Tooltip
                        formatter={(value: unknown) => [money(Math.round(Number(value) * 100)), 'Revenue']}
                        labelFormatter={(label: unknown) => String(label)}
                    />
                    <Bar dataKey="revenue" name="Revenue" fill={theme.palette.primary.main} isAnimationActive={false} />
                </BarChart>
            </ResponsiveContainer>
        </figure>
    );
};

/** How many orders of the range are in each status now. */
export const StatusChart = ({ stats }: { stats: SalesStats }) => {
    const theme = useTheme();
    const data = Object.entries(stats.by_status).map(([status, count]) => ({ status: humanize(status), count }));
    return (
        <figure style={{ margin: 0 }} aria-label="Orders by status" data-testid="status-chart">
            <ResponsiveContainer width="100%" height={220}>
                <BarChart data={data} layout="vertical" margin={{ top: 0, right: 30, left: 10, bottom: 0 }}>
                    <XAxis type="number" allowDecimals={false} />
                    <YAxis type="category" dataKey="status" width={120} />
                    <Tooltip />
                    <Bar dataKey="count" name="Orders" fill={theme.palette.secondary.main} isAnimationActive={false}>
                        <LabelList dataKey="count" position="right" />
                    </Bar>
                </BarChart>
            </ResponsiveContainer>
        </figure>
    );
};
