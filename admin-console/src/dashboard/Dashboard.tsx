import {
    Alert,
    Card,
    CardContent,
    Grid,
    Link,
    Stack,
    Table,
    TableBody,
    TableCell,
    TableHead,
    TableRow,
    TextField,
    Typography,
} from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Title, useCreatePath, useDataProvider, useGetList } from 'react-admin';
import { Link as RouterLink } from 'react-router-dom';

import type { ShopDataProvider } from '../api/dataProvider';
import type { Order, Product, SalesStats, StockLevels } from '../api/types';
import { StatusChip } from '../fields';
import { dateTime, money, shortId } from '../format';
import { LOW_STOCK_BELOW } from '../inventory';
import { RevenueChart, StatusChart } from './Charts';
import { type DateRange, lastDays, rangeProblem } from './range';

const Panel = ({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) => (
    <Card component="section" aria-label={title} sx={{ height: '100%' }} data-testid={testId}>
        <CardContent>
            <Typography component="h2" variant="h6" gutterBottom>
                {title}
            </Typography>
            {children}
        </CardContent>
    </Card>
);

const Figures = ({ stats }: { stats: SalesStats }) => (
    <Stack direction="row" spacing={4} sx={{ flexWrap: 'wrap' }} data-testid="sales-figures">
        {(
            [
                ['Revenue', money(stats.revenue_cents)],
                ['Orders paid', String(stats.orders_count)],
                ['Average order', money(stats.average_order_cents)],
            ] as const
        ).map(([label, value]) => (
            <div key={label}>
                <Typography variant="body2">{label}</Typography>
                <Typography variant="h5" component="p">
                    {value}
                </Typography>
            </div>
        ))}
    </Stack>
);

const TopProducts = ({ stats }: { stats: SalesStats }) =>
    stats.top_products.length === 0 ? (
        <Typography>No sales in this range.</Typography>
    ) : (
        <Table size="small" aria-label="Top products">
            <TableHead>
                <TableRow>
                    <TableCell>Product</TableCell>
                    <TableCell align="right">Units</TableCell>
                    <TableCell align="right">Revenue</TableCell>
                </TableRow>
            </TableHead>
            <TableBody>
                {stats.top_products.map(p => (
                    <TableRow key={p.product_id}>
                        <TableCell>{p.name}</TableCell>
                        <TableCell align="right">{p.units}</TableCell>
                        <TableCell align="right">{money(p.revenue_cents)}</TableCell>
                    </TableRow>
                ))}
            </TableBody>
        </Table>
    );

const LowStock = () => {
    const createPath = useCreatePath();
    const { data, isPending } = useGetList<Product & StockLevels>('inventory', {
        filter: { below: LOW_STOCK_BELOW },
        pagination: { page: 1, perPage: 5 },
    });
    if (isPending) return <Typography>Loading…</Typography>;
    if (!data?.length) return <Typography>Every product has at least {LOW_STOCK_BELOW} available.</Typography>;
    return (
        <>
            <Table size="small" aria-label="Low stock">
                <TableHead>
                    <TableRow>
                        <TableCell>Product</TableCell>
                        <TableCell align="right">Available</TableCell>
                    </TableRow>
                </TableHead>
                <TableBody>
                    {data.map(p => (
                        <TableRow key={p.id}>
                            <TableCell>{p.name}</TableCell>
                            <TableCell align="right">{p.available}</TableCell>
                        </TableRow>
                    ))}
                </TableBody>
            </Table>
            <Link component={RouterLink} to={`${createPath({ resource: 'inventory', type: 'list' })}?filter=${encodeURIComponent(JSON.stringify({ below: LOW_STOCK_BELOW }))}`} sx={{ display: 'inline-block', mt: 1 }}>
                All low-stock products
            </Link>
        </>
    );
};

const RecentOrders = () => {
    const createPath = useCreatePath();
    const { data, isPending } = useGetList<Order>('orders', { pagination: { page: 1, perPage: 5 } });
    if (isPending) return <Typography>Loading…</Typography>;
    if (!data?.length) return <Typography>No orders yet.</Typography>;
    return (
        <Table size="small" aria-label="Recent orders">
            <TableHead>
                <TableRow>
                    <TableCell>Order</TableCell>
                    <TableCell>Placed</TableCell>
                    <TableCell>Status</TableCell>
                    <TableCell align="right">Total</TableCell>
                </TableRow>
            </TableHead>
            <TableBody>
                {data.map(order => (
                    <TableRow key={order.id}>
                        <TableCell>
                            <Link component={RouterLink} to={createPath({ resource: 'orders', id: order.id, type: 'show' })}>
                                {shortId(order.id)}
                            </Link>
                        </TableCell>
                        <TableCell>{dateTime(order.created_at)}</TableCell>
                        <TableCell>
                            <StatusChip status={order.status} />
                        </TableCell>
                        <TableCell align="right">{money(order.total_cents, order.currency)}</TableCell>
                    </TableRow>
                ))}
            </TableBody>
        </Table>
    );
};

export const Dashboard = () => {
    const dataProvider = useDataProvider<ShopDataProvider>();
    const [range, setRange] = useState<DateRange>(() => lastDays(30));
    const problem = rangeProblem(range);
    const stats = useQuery({
        queryKey: ['stats', 'sales', range.from, range.to],
        queryFn: () => dataProvider.salesStats(range.from, range.to),
        enabled: problem === null,
    });
    return (
        <Stack spacing={2} sx={{ mt: 2, mb: 2 }}>
            <Title title="Dashboard" />
            <Stack direction="row" spacing={2} sx={{ alignItems: 'center', flexWrap: 'wrap' }} role="group" aria-label="Date range">
                <Typography component="h1" variant="h5" sx={{ mr: 2 }}>
                    Sales
                </Typography>
                <TextField type="date" label="From" size="small" sx={{ width: 190 }} value={range.from} onChange={e => setRange({ ...range, from: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
                <TextField type="date" label="To" size="small" sx={{ width: 190 }} value={range.to} onChange={e => setRange({ ...range, to: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
            </Stack>
            {problem && <Alert severity="warning">{problem}</Alert>}
            {stats.error && <Alert severity="error">{(stats.error as Error).message}</Alert>}
            <Grid container spacing={2}>
                <Grid size={{ xs: 12, lg: 8 }}>
                    <Panel title="Revenue by day" testId="revenue-panel">
                        {stats.data ? (
                            <>
                                <Figures stats={stats.data} />
                                <RevenueChart stats={stats.data} />
                            </>
                        ) : (
                            <Typography>Loading…</Typography>
                        )}
                    </Panel>
                </Grid>
                <Grid size={{ xs: 12, lg: 4 }}>
                    <Panel title="Orders by status">
                        {stats.data ? <StatusChart stats={stats.data} /> : <Typography>Loading…</Typography>}
                    </Panel>
                </Grid>
                <Grid size={{ xs: 12, md: 6, lg: 4 }}>
                    <Panel title="Top products">
                        {stats.data ? <TopProducts stats={stats.data} /> : <Typography>Loading…</Typography>}
                    </Panel>
                </Grid>
                <Grid size={{ xs: 12, md: 6, lg: 4 }}>
                    <Panel title="Low stock">
                        <LowStock />
                    </Panel>
                </Grid>
                <Grid size={{ xs: 12, lg: 4 }}>
                    <Panel title="Recent orders" testId="recent-orders">
                        <RecentOrders />
                    </Panel>
                </Grid>
            </Grid>
        </Stack>
    );
};
