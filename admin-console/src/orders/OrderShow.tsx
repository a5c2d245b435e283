import {
    Box,
    Button,
    Card,
    CardContent,
    Grid,
    Stack,
    Step,
    StepContent,
    StepLabel,
    Stepper,
    Table,
    TableBody,
    TableCell,
    TableHead,
    TableRow,
    Typography,
} from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Confirm, Show, useDataProvider, useNotify, useRecordContext, useRefresh } from 'react-admin';
import { useState } from 'react';

import type { ShopDataProvider } from '../api/dataProvider';
import type { Order, OrderEvent, Payment } from '../api/types';
import { StatusChip } from '../fields';
import { dateTime, humanize, money, shortId } from '../format';
import { ShipmentPanel } from './ShipmentPanel';

const Section = ({ title, children }: { title: string; children: React.ReactNode }) => (
    <Card component="section" aria-label={title} variant="outlined">
        <CardContent>
            <Typography component="h2" variant="h6" gutterBottom>
                {title}
            </Typography>
            {children}
        </CardContent>
    </Card>
);

const Lines = ({ order }: { order: Order }) => (
    <Table size="small" aria-label="Order lines">
        <TableHead>
            <TableRow>
                <TableCell>SKU</TableCell>
                <TableCell>Product</TableCell>
                <TableCell align="right">Quantity</TableCell>
                <TableCell align="right">Unit price</TableCell>
                <TableCell align="right">Line total</TableCell>
            </TableRow>
        </TableHead>
        <TableBody>
            {order.items.map(line => (
                <TableRow key={line.product_id}>
                    <TableCell>{line.sku}</TableCell>
                    <TableCell>{line.name}</TableCell>
                    <TableCell align="right">{line.quantity}</TableCell>
                    <TableCell align="right">{money(line.unit_price_cents, order.currency)}</TableCell>
                    <TableCell align="right">{money(line.line_total_cents, order.currency)}</TableCell>
                </TableRow>
            ))}
            {(
                [
                    ['Subtotal', order.subtotal_cents],
                    ['Shipping', order.shipping_cents],
                    ['Total', order.total_cents],
                ] as const
            ).map(([label, cents]) => (
                <TableRow key={label}>
                    <TableCell colSpan={4} align="right" sx={{ fontWeight: label === 'Total' ? 700 : 400 }}>
                        {label}
                    </TableCell>
                    <TableCell align="right" sx={{ fontWeight: label === 'Total' ? 700 : 400 }}>
                        {money(cents, order.currency)}
                    </TableCell>
                </TableRow>
            ))}
        </TableBody>
    </Table>
);

const Address = ({ order }: { order: Order }) => {
    const a = order.shipping_address;
    return (
        <Box component="address" sx={{ fontStyle: 'normal' }}>
            {[a.name, a.line1, a.line2, `${a.postal_code} ${a.city}`, a.country]
                .filter(Boolean)
                .map(line => (
                    <div key={line}>{line}</div>
                ))}
        </Box>
    );
};

/** The refund's state in words, from the payments (a paid order cancelled is refunded after). */
export const refundState = (payments: Payment[]): string | null => {
    if (payments.some(p => p.status === 'REFUND_PENDING')) return 'Refund pending: the gateway has not confirmed it yet.';
    if (payments.some(p => p.status === 'REFUNDED')) return 'Refunded.';
    return null;
};

const Payments = ({ payments }: { payments: Payment[] }) => {
    if (payments.length === 0) return <Typography>No payment yet.</Typography>;
    const refund = refundState(payments);
    return (
        <>
            <Table size="small" aria-label="Payments">
                <TableHead>
                    <TableRow>
                        <TableCell>When</TableCell>
                        <TableCell>Status</TableCell>
                        <TableCell>Card</TableCell>
                        <TableCell align="right">Amount</TableCell>
                        <TableCell>Failure</TableCell>
                    </TableRow>
                </TableHead>
                <TableBody>
                    {payments.map(p => (
                        <TableRow key={p.id}>
                            <TableCell>{dateTime(p.created_at)}</TableCell>
                            <TableCell>{humanize(p.status)}</TableCell>
                            <TableCell>{p.card_brand ? `${p.card_brand} •••• ${p.card_last4}` : '—'}</TableCell>
                            <TableCell align="right">{money(p.amount_cents, p.currency)}</TableCell>
                            <TableCell>{p.failure_reason ? humanize(p.failure_reason) : '—'}</TableCell>
                        </TableRow>
                    ))}
                </TableBody>
            </Table>
            {refund && (
                <Typography sx={{ mt: 1 }} role="status">
                    {refund}
                </Typography>
            )}
        </>
    );
};

const describe = (event: OrderEvent): string => {
    const data = event.data;
    const text = (value: unknown, coded = false) =>
        typeof value === 'string' && value ? (coded ? humanize(value) : value) : null;
    const parts = [
        text(data.carrier),
        text(data.status, true),
        text(data.location),
        text(data.reason, true),
        text(data.failure_reason, true),
    ];
    return parts.filter(Boolean).join(' · ');
};

/** The order's history, seq by seq, as the shop recorded it. */
const Timeline = ({ events }: { events: OrderEvent[] }) => (
    <Stepper orientation="vertical" activeStep={events.length}>
        {events.map(event => (
            <Step key={event.seq} completed expanded data-testid="order-event">
                <StepLabel optional={<Typography variant="caption">{dateTime(event.occurred_at)}</Typography>}>
                    #{event.seq} {humanize(event.type)}
                </StepLabel>
                <StepContent>
                    <Typography variant="body2">
                        by {event.actor.role}
                        {describe(event) ? ` — ${describe(event)}` : ''}
                    </Typography>
                </StepContent>
            </Step>
        ))}
    </Stepper>
);

const CancelButton = ({ order }: { order: Order }) => {
    const dataProvider = useDataProvider<ShopDataProvider>();
    const notify = useNotify();
    const refresh = useRefresh();
    const [open, setOpen] = useState(false);
    if (order.status !== 'PENDING_PAYMENT' && order.status !== 'PAID') return null;
    const confirm = async () => {
        setOpen(false);
        try {
            await dataProvider.cancelOrder(order.id);
            notify(order.status === 'PAID' ? 'Order cancelled; its payment is being refunded.' : 'Order cancelled.', { type: 'success' });
        } catch (error) {
            notify((error as Error).message, { type: 'error' });
        }
        refresh();
    };
    return (
        <>
            <Button color="error" variant="outlined" onClick={() => setOpen(true)}>
                Cancel order
            </Button>
            <Confirm
                isOpen={open}
                title="Cancel this order?"
                content={
                    order.status === 'PAID'
                        ? 'Its stock returns to the shelf and the payment is refunded.'
                        : 'Its reserved stock is released.'
                }
                confirm="Cancel order"
                cancel="Keep order"
                onConfirm={() => void confirm()}
                onClose={() => setOpen(false)}
            />
        </>
    );
};

const OrderDetails = () => {
    const order = useRecordContext<Order>();
    const dataProvider = useDataProvider<ShopDataProvider>();
    const id = order?.id;
    const payments = useQuery({
        queryKey: ['orders', 'payments', id],
        queryFn: () => dataProvider.orderPayments(id as string),
        enabled: Boolean(id),
    });
    const events = useQuery({
        queryKey: ['orders', 'events', id],
        queryFn: () => dataProvider.orderEvents(id as string),
        enabled: Boolean(id),
    });
    if (!order) return null;
    return (
        <Stack spacing={2} sx={{ p: 2 }}>
            <Stack direction="row" spacing={2} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
                <Typography component="h1" variant="h5">
                    Order {shortId(order.id)}
                </Typography>
                <StatusChip status={order.status} />
                <Typography variant="body2">Placed {dateTime(order.created_at)}</Typography>
                <Box sx={{ flexGrow: 1 }} />
                <CancelButton order={order} />
            </Stack>
            <Grid container spacing={2}>
                <Grid size={{ xs: 12, lg: 8 }}>
                    <Stack spacing={2}>
                        <Section title="Lines and totals">
                            <Lines order={order} />
                        </Section>
                        <Section title="Payments">
                            {payments.data ? <Payments payments={payments.data} /> : <Typography>Loading…</Typography>}
                        </Section>
                        <ShipmentPanel order={order} />
                    </Stack>
                </Grid>
                <Grid size={{ xs: 12, lg: 4 }}>
                    <Stack spacing={2}>
                        <Section title="Shipping address">
                            <Address order={order} />
                        </Section>
                        <Section title="History">
                            {events.data ? <Timeline events={events.data} /> : <Typography>Loading…</Typography>}
                        </Section>
                    </Stack>
                </Grid>
            </Grid>
        </Stack>
    );
};

export const OrderShow = () => (
    <Show title="Order" actions={false}>
        <OrderDetails />
    </Show>
);
