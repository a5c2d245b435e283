import { Chip } from '@mui/material';
import { FunctionField, NumberInput, type NumberInputProps, Pagination, useRecordContext } from 'react-admin';

import { humanize, money } from './format';

/** An amount in minor units with the record's currency. */
export const MoneyField = ({ source, label }: { source: string; label: string }) => (
    <FunctionField
        label={label}
        source={source}
        sortable={false}
        render={(record: Record<string, unknown>) =>
            money(record[source] as number, (record.currency as string | undefined) ?? 'USD')
        }
    />
);

/** A price typed in major units (45.00) and kept in minor units (4500), never as a float. */
export const MoneyInput = (props: Omit<NumberInputProps, 'format' | 'parse'>) => (
    <NumberInput
        {...props}
        step={0.01}
        min={0.01}
        format={(cents?: number | null) => (cents === null || cents === undefined ? '' : cents / 100) as number}
        parse={(major: string | number | null) =>
            major === null || major === '' ? null : Math.round(Number(major) * 100)
        }
    />
);

const STATUS_COLOURS: Record<string, 'default' | 'success' | 'warning' | 'error' | 'info'> = {
    ACTIVE: 'success',
    DRAFT: 'default',
    ARCHIVED: 'warning',
    PENDING_PAYMENT: 'warning',
    PAID: 'info',
    SHIPPED: 'info',
    DELIVERED: 'success',
    CANCELLED: 'error',
};

export const StatusChip = ({ status }: { status: string }) => (
    <Chip size="small" variant="outlined" color={STATUS_COLOURS[status] ?? 'default'} label={humanize(status)} />
);

/** A record's status as a chip (products, orders). */
export const StatusField = ({ source = 'status' }: { source?: string; label?: string }) => {
    const record = useRecordContext();
    return record ? <StatusChip status={String(record[source])} /> : null;
};

/** The shop's pages hold 1..100 items. */
export const ListPagination = () => <Pagination rowsPerPageOptions={[10, 20, 50, 100]} />;

/** What every list shares: the shop's paging, and no CSV export (it would ask for >100 rows). */
export const listDefaults = { pagination: <ListPagination />, exporter: false as const };
