import { Alert, Button, Stack } from '@mui/material';
import {
    BooleanField,
    Datagrid,
    DateField,
    FunctionField,
    List,
    TextField,
    useGetIdentity,
    useNotify,
    useRecordContext,
    useStore,
    useUpdate,
} from 'react-admin';

import type { User } from '../api/types';
import { listDefaults } from '../fields';

/**
 * Role and disabled changes. The shop refuses an admin's change of their own role or disabled
 * flag (SELF_LOCKOUT); the console lets the admin try and shows that refusal as the shop words it.
 */
const AccessButtons = () => {
    const user = useRecordContext<User>();
    const [update, { isPending }] = useUpdate<User>();
    const notify = useNotify();
    const [, setRefusal] = useStore<string | null>(REFUSAL_KEY, null);
    if (!user) return null;
    const change = (data: Partial<User>, done: string) =>
        update(
            'users',
            { id: user.id, data, previousData: user },
            {
                mutationMode: 'pessimistic',
                onSuccess: () => {
                    setRefusal(null);
                    notify(done, { type: 'success' });
                },
                onError: error => setRefusal(`${user.email}: ${(error as Error).message}`),
            }
        );
    const promote = user.role !== 'admin';
    return (
        <Stack direction="row" spacing={1}>
            <Button
                size="small"
                variant="outlined"
                disabled={isPending}
                aria-label={`${promote ? 'Make admin' : 'Make customer'}: ${user.email}`}
                onClick={() => change({ role: promote ? 'admin' : 'customer' }, `${user.email} is now ${promote ? 'an admin' : 'a customer'}.`)}
            >
                {promote ? 'Make admin' : 'Make customer'}
            </Button>
            <Button
                size="small"
                variant="outlined"
                color={user.disabled ? 'primary' : 'error'}
                disabled={isPending}
                aria-label={`${user.disabled ? 'Enable' : 'Disable'}: ${user.email}`}
                onClick={() => change({ disabled: !user.disabled }, `${user.email} is ${user.disabled ? 'enabled' : 'disabled'}.`)}
            >
                {user.disabled ? 'Enable' : 'Disable'}
            </Button>
        </Stack>
    );
};

const REFUSAL_KEY = 'users.refusal';

/** The shop's last refusal of a change (e.g. SELF_LOCKOUT), kept above the list until dismissed. */
const Refusal = () => {
    const [refusal, setRefusal] = useStore<string | null>(REFUSAL_KEY, null);
    if (!refusal) return null;
    return (
        <Alert severity="error" role="alert" onClose={() => setRefusal(null)} sx={{ mt: 1 }}>
            The shop refused the change. {refusal}
        </Alert>
    );
};

const EmailField = ({ label: _label }: { label?: string }) => {
    const user = useRecordContext<User>();
    const { identity } = useGetIdentity();
    if (!user) return null;
    return (
        <span>
            {user.email}
            {identity?.id === user.id ? ' (you)' : ''}
        </span>
    );
};

const UserList = () => (
    <List {...listDefaults} perPage={20} title="Users">
        <Refusal />
        <Datagrid bulkActionButtons={false} rowClick={false}>
            <EmailField label="Email" />
            <TextField source="name" sortable={false} />
            <TextField source="role" sortable={false} />
            <BooleanField source="disabled" sortable={false} />
            <DateField source="created_at" label="Joined" sortable={false} />
            <FunctionField label="Access" render={() => <AccessButtons />} />
        </Datagrid>
    </List>
);

export const users = { list: UserList };
