import { lazy } from 'react';
import { Admin, Resource } from 'react-admin';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';

import { audit } from './audit';
import { categories } from './categories';
import { inventory } from './inventory';
import { LoginPage } from './layout/LoginPage';
import { theme } from './layout/theme';
import { orders } from './orders';
import { products } from './products';
import { authProvider, dataProvider } from './shop';
import { users } from './users';

export const BASENAME = '/console';

// The dashboard brings the chart library: it loads on its own, after the sign-in screen.
const Dashboard = lazy(() => import('./dashboard/Dashboard').then(module => ({ default: module.Dashboard })));

const Console = () => (
    <Admin
        basename={BASENAME}
        title="Serverless Shop"
        dataProvider={dataProvider}
        authProvider={authProvider}
        dashboard={Dashboard}
        loginPage={LoginPage}
        theme={theme}
        requireAuth
        disableTelemetry
    >
        <Resource name="products" {...products} options={{ label: 'Products' }} recordRepresentation="name" />
        <Resource name="categories" {...categories} options={{ label: 'Categories' }} recordRepresentation="name" />
        <Resource name="inventory" {...inventory} options={{ label: 'Inventory' }} recordRepresentation="name" />
        <Resource name="orders" {...orders} options={{ label: 'Orders' }} />
        <Resource name="users" {...users} options={{ label: 'Users' }} recordRepresentation="email" />
        <Resource name="audit" {...audit} options={{ label: 'Audit log' }} />
    </Admin>
);

export const App = () => (
    <BrowserRouter>
        <Routes>
            <Route path={`${BASENAME}/*`} element={<Console />} />
            <Route path="*" element={<Navigate to={`${BASENAME}/`} replace />} />
        </Routes>
    </BrowserRouter>
);
