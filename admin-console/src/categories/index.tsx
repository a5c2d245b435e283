import {
    Create,
    Datagrid,
    DeleteWithConfirmButton,
    Edit,
    List,
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
import { listDefaults } from '../fields';

const CategoryList = () => (
    <List {...listDefaults} perPage={20} filters={[<TextInput key="q" source="q" label="Search" alwaysOn resettable />]}>
        <Datagrid rowClick="edit" bulkActionButtons={false}>
            <TextField source="name" sortable={false} />
            <TextField source="slug" sortable={false} />
            <ReferenceField source="parent_id" reference="categories" label="Parent" link={false} sortable={false} emptyText="—" />
        </Datagrid>
    </List>
);

const CategoryFields = () => (
    <>
        <TextInput source="name" label="Name" validate={required()} />
        <TextInput source="slug" label="Slug" validate={required()} helperText="Lower-case letters, digits and dashes" />
        <ReferenceInput source="parent_id" reference="categories">
            <SelectInput label="Parent" optionText="name" emptyText="None (top level)" parse={(value: string) => value || null} />
        </ReferenceInput>
    </>
);

const EditToolbar = () => (
    <Toolbar sx={{ justifyContent: 'space-between' }}>
        <SaveButton />
        <DeleteWithConfirmButton confirmTitle="Delete this category?" mutationMode="pessimistic" />
    </Toolbar>
);

const CategoryEdit = () => (
    <Edit mutationMode="pessimistic" title="Edit category">
        <SimpleForm toolbar={<EditToolbar />}>
            <CategoryFields />
        </SimpleForm>
    </Edit>
);

const CategoryCreate = () => (
    <Create redirect="list" title="New category">
        <SimpleForm>
            <CategoryFields />
        </SimpleForm>
    </Create>
);

export const categories = { list: CategoryList, edit: CategoryEdit, create: CategoryCreate };
