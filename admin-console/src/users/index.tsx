import { Button, Stack } from '@mui/material';
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
    useUpdate,
} from 'react-admin';

import type { User } from '../api/types';

/**
 * Role and disabled changes. The shop refuses an admin's change of their own role or disabled
 * flag (SELF_LOCKOUT); the console lets the admin try and shows that refusal as the shop words it.
 */
const AccessButtons = () => {
    const user = useRecordContext<User>();
    const [update, { isPending }] = useUpdate<User>();
    const notify = useNotify();
    if (!user) return null;
    const change = (data: Partial<User>, done: string) =>
        update(
            'users',
            { id: user.id, data, previousData: user },
            {
                mutationMode: 'pessimistic',
                onSuccess: () => notify(done, { type: 'success' }),
                onError: error => notify((error as Error).message, { type: 'error', autoHideDuration: 10_000 }),
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
    <List perPage={20} title="Users">
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
