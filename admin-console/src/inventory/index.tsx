import TuneIcon from '@mui/icons-material/Tune';
import { Button, Dialog, DialogActions, DialogContent, DialogTitle, ToggleButton, ToggleButtonGroup } from '@mui/material';
import { useState } from 'react';
import {
    Datagrid,
    Form,
    List,
    NumberField,
    NumberInput,
    TextField,
    TextInput,
    TopToolbar,
    required,
    useDataProvider,
    useListContext,
    useNotify,
    useRecordContext,
    useRefresh,
} from 'react-admin';

import type { ShopDataProvider } from '../api/dataProvider';
import { StatusField, listDefaults } from '../fields';

export const LOW_STOCK_BELOW = 10;

/** The two views of the levels: all of them, or the reorder list. */
const LevelsView = () => {
    const { filterValues, setFilters, displayedFilters } = useListContext();
    const low = Number(filterValues.below) === LOW_STOCK_BELOW;
    const show = (view: string | null) => {
        if (!view) return;
        const { below: _below, ...others } = filterValues;
        setFilters(view === 'low' ? { ...others, below: LOW_STOCK_BELOW } : others, displayedFilters);
    };
    return (
        <TopToolbar>
            <ToggleButtonGroup exclusive size="small" color="primary" aria-label="View" value={low ? 'low' : 'all'} onChange={(_, view: string | null) => show(view)}>
                <ToggleButton value="all">All levels</ToggleButton>
                <ToggleButton value="low">Low stock (below {LOW_STOCK_BELOW})</ToggleButton>
            </ToggleButtonGroup>
        </TopToolbar>
    );
};

interface AdjustmentValues {
    delta?: number;
    reason?: string;
}

/** Adds or removes stock with a reason; the shop refuses to go below zero (INSUFFICIENT_STOCK). */
const AdjustButton = () => {
    const record = useRecordContext();
    const dataProvider = useDataProvider<ShopDataProvider>();
    const notify = useNotify();
    const refresh = useRefresh();
    const [open, setOpen] = useState(false);
    const [saving, setSaving] = useState(false);
    if (!record) return null;
    const titleId = `adjust-${record.id}`;

    const submit = async (values: AdjustmentValues) => {
        setSaving(true);
        try {
            const levels = await dataProvider.adjustStock(record.id, Number(values.delta), String(values.reason ?? ''));
            notify(`Stock of ${record.name} adjusted: ${levels.available} available.`, { type: 'success' });
            setOpen(false);
            refresh();
        } catch (error) {
            notify((error as Error).message, { type: 'error' });
        } finally {
            setSaving(false);
        }
    };

    return (
        <>
            <Button
                size="small"
                startIcon={<TuneIcon />}
                onClick={event => {
                    event.stopPropagation();
                    setOpen(true);
                }}
                aria-label={`Adjust stock of ${record.name}`}
            >
                Adjust
            </Button>
            <Dialog open={open} onClose={() => setOpen(false)} aria-labelledby={titleId} onClick={e => e.stopPropagation()}>
                <Form onSubmit={(values: Record<string, unknown>) => void submit(values as AdjustmentValues)}>
                    <DialogTitle id={titleId}>Adjust stock of {String(record.name)}</DialogTitle>
                    <DialogContent>
                        <NumberInput source="delta" label="Change" helperText="Positive adds stock, negative removes it" validate={required()} step={1} />
                        <TextInput source="reason" label="Reason" validate={required()} />
                    </DialogContent>
                    <DialogActions>
                        <Button onClick={() => setOpen(false)}>Cancel</Button>
                        <Button type="submit" variant="contained" disabled={saving}>
                            Save adjustment
                        </Button>
                    </DialogActions>
                </Form>
            </Dialog>
        </>
    );
};

const inventoryFilters = [<NumberInput key="below" source="below" label="Available below" min={0} alwaysOn />];

const InventoryList = () => (
    <List {...listDefaults} filters={inventoryFilters} actions={<LevelsView />} perPage={20} title="Inventory">
        <Datagrid bulkActionButtons={false} rowClick={false}>
            <TextField source="sku" label="SKU" sortable={false} />
            <TextField source="name" sortable={false} />
            <StatusField label="Status" />
            <NumberField source="available" sortable={false} />
            <NumberField source="reserved" sortable={false} />
            <NumberField source="sold" sortable={false} />
            <AdjustButton />
        </Datagrid>
    </List>
);

export const inventory = { list: InventoryList };
