import { Datagrid, DateField, FunctionField, List, SelectInput, TextField } from 'react-admin';

import type { Order } from '../api/types';
import { MoneyField, StatusField, listDefaults } from '../fields';
import { humanize, shortId } from '../format';
import { OrderShow } from './OrderShow';

export const ORDER_STATUSES = ['PENDING_PAYMENT', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED'];

const orderFilters = [
    <SelectInput
        key="status"
        source="status"
        label="Status"
        alwaysOn
        emptyText="All statuses"
        choices={ORDER_STATUSES.map(id => ({ id, name: humanize(id) }))}
    />,
];

const OrderList = () => (
    <List {...listDefaults} filters={orderFilters} perPage={20} title="Orders">
        <Datagrid rowClick="show" bulkActionButtons={false}>
            <FunctionField label="Order" render={(order: Order) => shortId(order.id)} />
            <DateField source="created_at" label="Placed" showTime sortable={false} />
            <StatusField label="Status" />
            <FunctionField label="Items" render={(order: Order) => order.items.reduce((n, line) => n + line.quantity, 0)} />
            <MoneyField source="total_cents" label="Total" />
            <TextField source="shipping_address.name" label="Ship to" sortable={false} />
        </Datagrid>
    </List>
);

export const orders = { list: OrderList, show: OrderShow };
