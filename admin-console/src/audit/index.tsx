import { Box, Table, TableBody, TableCell, TableRow } from '@mui/material';
import { Datagrid, DateField, List, TextField, TextInput, useRecordContext } from 'react-admin';

import type { AuditEntry } from '../api/types';
import { listDefaults } from '../fields';

const auditFilters = [
    <TextInput key="actor" source="actor_id" label="Actor" helperText="a user id" alwaysOn resettable />,
    <TextInput key="action" source="action" label="Action" helperText="e.g. shipment.created" alwaysOn resettable />,
];

/** Everything the entry records, details included. */
const EntryDetails = () => {
    const entry = useRecordContext<AuditEntry>();
    if (!entry) return null;
    const rows: [string, string][] = [
        ['Entry', entry.id],
        ['At', entry.at],
        ['Actor', `${entry.actor_id} (${entry.actor_role})`],
        ['Target', `${entry.target_type} ${entry.target_id}`],
        ['Request', entry.request_id || '—'],
    ];
    return (
        <Box sx={{ py: 1 }}>
            <Table size="small" aria-label={`Audit entry ${entry.id}`}>
                <TableBody>
                    {rows.map(([name, value]) => (
                        <TableRow key={name}>
                            <TableCell component="th" scope="row" sx={{ width: 120 }}>
                                {name}
                            </TableCell>
                            <TableCell>{value}</TableCell>
                        </TableRow>
                    ))}
                    <TableRow>
                        <TableCell component="th" scope="row">
                            Details
                        </TableCell>
                        <TableCell>
                            <Box component="pre" sx={{ m: 0, whiteSpace: 'pre-wrap' }} data-testid="audit-details">
                                {JSON.stringify(entry.details, null, 2)}
                            </Box>
                        </TableCell>
                    </TableRow>
                </TableBody>
            </Table>
        </Box>
    );
};

const AuditList = () => (
    <List {...listDefaults} filters={auditFilters} perPage={20} title="Audit log">
        <Datagrid bulkActionButtons={false} rowClick="expand" expand={<EntryDetails />}>
            <DateField source="at" label="At" showTime sortable={false} />
            <TextField source="action" sortable={false} />
            <TextField source="actor_id" label="Actor" sortable={false} />
            <TextField source="actor_role" label="Role" sortable={false} />
            <TextField source="target_type" label="Target" sortable={false} />
            <TextField source="target_id" label="Target id" sortable={false} />
        </Datagrid>
    </List>
);

export const audit = { list: AuditList };
