import { defaultTheme, type RaThemeOptions } from 'react-admin';

/** react-admin's default theme, with a primary colour dark enough for AA contrast on white and on it. */
export const theme: RaThemeOptions = {
    ...defaultTheme,
    palette: { ...defaultTheme.palette, primary: { main: '#1e4e8c' }, secondary: { main: '#283593' } },
};
