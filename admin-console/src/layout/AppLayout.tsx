import { Layout, type LayoutProps, Menu } from 'react-admin';

export const MENU_RESOURCES = ['products', 'categories', 'inventory', 'orders', 'users', 'audit'];

/**
 * react-admin's menu, as a navigation landmark of plain links: its items are links to pages,
 * not commands, so they read as "link, Orders" and each is reached with Tab.
 */
const AppMenu = () => (
    <Menu {...({ component: 'nav', role: 'navigation', 'aria-label': 'Main menu' } as object)}>
        <Menu.DashboardItem role="link" />
        {MENU_RESOURCES.map(name => (
            <Menu.ResourceItem key={name} name={name} role="link" />
        ))}
    </Menu>
);

export const AppLayout = (props: LayoutProps) => <Layout {...props} menu={AppMenu} />;
