import { Button, Card, CardContent, List, ListItem, ListItemText, Stack, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Form, SelectInput, TextInput, required, useDataProvider, useNotify, useRefresh } from 'react-admin';
import { useState } from 'react';

import type { ShopDataProvider } from '../api/dataProvider';
import type { Order, Shipment, ShipmentStatus } from '../api/types';
import { dateTime, humanize } from '../format';

/** The shipment state machine: where a shipment may go from each status. */
export const NEXT_STATUSES: Record<ShipmentStatus, ShipmentStatus[]> = {
    LABEL_CREATED: ['IN_TRANSIT'],
    IN_TRANSIT: ['OUT_FOR_DELIVERY', 'EXCEPTION'],
    OUT_FOR_DELIVERY: ['DELIVERED', 'EXCEPTION'],
    EXCEPTION: ['IN_TRANSIT'],
    DELIVERED: [],
};

const useAction = () => {
    const notify = useNotify();
    const refresh = useRefresh();
    const [busy, setBusy] = useState(false);
    const run = async (action: () => Promise<unknown>, done: string) => {
        setBusy(true);
        try {
            await action();
            notify(done, { type: 'success' });
        } catch (error) {
            notify((error as Error).message, { type: 'error' });
        } finally {
            setBusy(false);
            refresh();
        }
    };
    return { busy, run };
};

const ShipForm = ({ order }: { order: Order }) => {
    const dataProvider = useDataProvider<ShopDataProvider>();
    const { busy, run } = useAction();
    return (
        <Form
            onSubmit={(values: Record<string, unknown>) =>
                void run(() => dataProvider.shipOrder(order.id, String(values.carrier)), 'Order shipped.')
            }
        >
            <Stack direction="row" spacing={2} sx={{ alignItems: 'baseline' }}>
                <TextInput source="carrier" label="Carrier" validate={required()} helperText={false} />
                <Button type="submit" variant="contained" disabled={busy}>
                    Ship order
                </Button>
            </Stack>
        </Form>
    );
};

const TrackingForm = ({ shipment }: { shipment: Shipment }) => {
    const dataProvider = useDataProvider<ShopDataProvider>();
    const { busy, run } = useAction();
    const next = NEXT_STATUSES[shipment.status];
    if (next.length === 0) return null;
    return (
        <Form
            key={shipment.status}
            defaultValues={{ status: next[0] }}
            onSubmit={(values: Record<string, unknown>) =>
                void run(
                    () =>
                        dataProvider.trackShipment(shipment.id, {
                            status: values.status as ShipmentStatus,
                            location: (values.location as string | undefined) || undefined,
                            note: (values.note as string | undefined) || undefined,
                        }),
                    'Tracking updated.'
                )
            }
        >
            <Typography component="h3" variant="subtitle1">
                Tracking update
            </Typography>
            <Stack direction={{ xs: 'column', md: 'row' }} spacing={2} sx={{ alignItems: 'baseline' }}>
                <SelectInput
                    source="status"
                    label="New status"
                    choices={next.map(id => ({ id, name: humanize(id) }))}
                    validate={required()}
                    helperText={false}
                />
                <TextInput source="location" label="Location" helperText={false} />
                <TextInput source="note" label="Note" helperText={false} />
                <Button type="submit" variant="contained" disabled={busy}>
                    Add tracking update
                </Button>
            </Stack>
        </Form>
    );
};

/** Shipping an order and following its shipment through the carrier's statuses. */
export const ShipmentPanel = ({ order }: { order: Order }) => {
    const dataProvider = useDataProvider<ShopDataProvider>();
    const shipment = useQuery({
        queryKey: ['orders', 'shipment', order.id],
        queryFn: () => dataProvider.orderShipment(order.id),
    });
    const current = shipment.data;
    return (
        <Card component="section" aria-label="Shipment" variant="outlined">
            <CardContent>
                <Typography component="h2" variant="h6" gutterBottom>
                    Shipment
                </Typography>
                {shipment.isPending && <Typography>Loading…</Typography>}
                {!shipment.isPending && !current && order.status === 'PAID' && <ShipForm order={order} />}
                {!shipment.isPending && !current && order.status !== 'PAID' && (
                    <Typography>Not shipped. Only a paid order can ship.</Typography>
                )}
                {current && (
                    <Stack spacing={1}>
                        <Typography>
                            {current.carrier}, tracking number {current.tracking_number}:{' '}
                            <strong data-testid="shipment-status">{humanize(current.status)}</strong>
                        </Typography>
                        <List dense aria-label="Tracking events">
                            {current.events.map(event => (
                                <ListItem key={`${event.status}-${event.occurred_at}`} disableGutters>
                                    <ListItemText
                                        primary={`${humanize(event.status)}${event.location ? ` — ${event.location}` : ''}`}
                                        secondary={`${dateTime(event.occurred_at)}${event.note ? ` · ${event.note}` : ''}`}
                                    />
                                </ListItem>
                            ))}
                        </List>
                        <TrackingForm shipment={current} />
                    </Stack>
                )}
            </CardContent>
        </Card>
    );
};
