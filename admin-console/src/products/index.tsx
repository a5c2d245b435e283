import {
    Create,
    Datagrid,
    DeleteWithConfirmButton,
    Edit,
    List,
    NumberField,
    ReferenceField,
    ReferenceInput,
    SaveButton,
    SelectInput,
    SimpleForm,
    TextField,
    TextInput,
    Toolbar,
    required,
} from 'react-admin';

import { MoneyField, MoneyInput, StatusField, listDefaults } from '../fields';

const STATUSES = [
    { id: 'DRAFT', name: 'Draft' },
    { id: 'ACTIVE', name: 'Active' },
    { id: 'ARCHIVED', name: 'Archived' },
];

const productFilters = [
    <TextInput key="q" source="q" label="Search" alwaysOn resettable />,
    <ReferenceInput key="category" source="category_id" reference="categories" alwaysOn>
        <SelectInput label="Category" optionText="name" emptyText="All categories" />
    </ReferenceInput>,
];

const ProductList = () => (
    <List {...listDefaults} filters={productFilters} perPage={20} sort={{ field: 'name', order: 'ASC' }}>
        <Datagrid rowClick="edit" bulkActionButtons={false}>
            <TextField source="sku" label="SKU" sortable={false} />
            <TextField source="name" sortable={false} />
            <ReferenceField source="category_id" reference="categories" label="Category" link={false} sortable={false} />
            <MoneyField source="price_cents" label="Price" />
            <StatusField label="Status" />
            <NumberField source="stock_available" label="Available" sortable={false} />
        </Datagrid>
    </List>
);

const ProductFields = () => (
    <>
        <TextInput source="sku" label="SKU" validate={required()} />
        <TextInput source="name" label="Name" validate={required()} />
        <TextInput source="description" label="Description" multiline minRows={2} />
        <MoneyInput source="price_cents" label="Price" validate={required()} />
        <TextInput source="currency" label="Currency" />
        <ReferenceInput source="category_id" reference="categories">
            <SelectInput label="Category" optionText="name" validate={required()} />
        </ReferenceInput>
        <SelectInput source="status" label="Status" choices={STATUSES} validate={required()} />
    </>
);

const EditToolbar = () => (
    <Toolbar sx={{ justifyContent: 'space-between' }}>
        <SaveButton />
        <DeleteWithConfirmButton
            label="Archive"
            confirmTitle="Archive this product?"
            confirmContent="Customers will no longer see it; past orders keep it."
            mutationMode="pessimistic"
        />
    </Toolbar>
);

const ProductEdit = () => (
    <Edit mutationMode="pessimistic" title="Edit product">
        <SimpleForm toolbar={<EditToolbar />}>
            <ProductFields />
        </SimpleForm>
    </Edit>
);

const ProductCreate = () => (
    <Create redirect="edit" title="New product">
        <SimpleForm defaultValues={{ currency: 'USD', status: 'DRAFT' }}>
            <ProductFields />
        </SimpleForm>
    </Create>
);

export const products = { list: ProductList, edit: ProductEdit, create: ProductCreate };
