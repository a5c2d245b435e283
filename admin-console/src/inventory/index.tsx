import TuneIcon from '@mui/icons-material/Tune';
import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import { Button, Card, CardContent, Dialog, DialogActions, DialogContent, DialogTitle } from '@mui/material';
import { useState } from 'react';
import {
    Datagrid,
    FilterList,
    FilterListItem,
    Form,
    List,
    NumberField,
    NumberInput,
    TextField,
    TextInput,
    required,
    useDataProvider,
    useNotify,
    useRecordContext,
    useRefresh,
} from 'react-admin';

import type { ShopDataProvider } from '../api/dataProvider';
import { StatusField } from '../fields';

export const LOW_STOCK_BELOW = 10;

const LevelsAside = () => (
    <Card sx={{ order: -1, mr: 2, mt: 8, width: 220, flexShrink: 0, display: { xs: 'none', md: 'block' } }}>
        <CardContent>
            <FilterList label="View" icon={<WarningAmberIcon />}>
                <FilterListItem label="All levels" value={{ below: undefined }} />
                <FilterListItem label={`Low stock (below ${LOW_STOCK_BELOW})`} value={{ below: LOW_STOCK_BELOW }} />
            </FilterList>
        </CardContent>
    </Card>
);

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
    <List filters={inventoryFilters} aside={<LevelsAside />} perPage={20} title="Inventory">
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
