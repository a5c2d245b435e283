import CategoryIcon from '@mui/icons-material/Category';
import HistoryIcon from '@mui/icons-material/History';
import InventoryIcon from '@mui/icons-material/Inventory2';
import PeopleIcon from '@mui/icons-material/People';
import SellIcon from '@mui/icons-material/Sell';
import ShoppingCartIcon from '@mui/icons-material/ShoppingCart';
import { lazy } from 'react';
import { Admin, Resource, memoryStore } from 'react-admin';
import { BrowserRouter } from 'react-router-dom';

import { audit } from './audit';
import { categories } from './categories';
import { inventory } from './inventory';
import { AppLayout } from './layout/AppLayout';
import { LoginPage } from './layout/LoginPage';
import { theme } from './layout/theme';
import { orders } from './orders';
import { products } from './products';
import { authProvider, dataProvider } from './shop';
import { users } from './users';

export const BASENAME = '/console';

// react-admin's preferences (list filters, which can name users) live in memory like the session,
// not in localStorage: nothing of the console outlives the page.
const store = memoryStore();

// The dashboard brings the chart library: it loads on its own, after the sign-in screen.
const Dashboard = lazy(() => import('./dashboard/Dashboard').then(module => ({ default: module.Dashboard })));

const Console = () => (
    <Admin
        title="Serverless Shop"
        dataProvider={dataProvider}
        authProvider={authProvider}
        dashboard={Dashboard}
        loginPage={LoginPage}
        layout={AppLayout}
        theme={theme}
        store={store}
        disableTelemetry
    >
        <Resource name="products" {...products} icon={SellIcon} options={{ label: 'Products' }} recordRepresentation="name" />
        <Resource name="categories" {...categories} icon={CategoryIcon} options={{ label: 'Categories' }} recordRepresentation="name" />
        <Resource name="inventory" {...inventory} icon={InventoryIcon} options={{ label: 'Inventory' }} recordRepresentation="name" />
        <Resource name="orders" {...orders} icon={ShoppingCartIcon} options={{ label: 'Orders' }} />
        <Resource name="users" {...users} icon={PeopleIcon} options={{ label: 'Users' }} recordRepresentation="email" />
        <Resource name="audit" {...audit} icon={HistoryIcon} options={{ label: 'Audit log' }} />
    </Admin>
);

// The router owns the /console prefix, so react-admin's own paths stay "/orders", "/login"...
export const App = () => (
    <BrowserRouter basename={BASENAME}>
        <Console />
    </BrowserRouter>
);
