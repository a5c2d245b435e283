import { defaultTheme, type RaThemeOptions } from 'react-admin';

/**
 * react-admin's default theme, with colours dark enough for text on white to meet WCAG AA
 * contrast (4.5:1): status chips print their label in their colour.
 */
export const theme: RaThemeOptions = {
    ...defaultTheme,
    palette: {
        ...defaultTheme.palette,
        primary: { main: '#1e4e8c' },
        secondary: { main: '#283593' },
        success: { main: '#1b5e20' },
        warning: { main: '#8a4b00' },
        info: { main: '#01579b' },
        error: { main: '#b71c1c' },
    },
    components: {
        ...defaultTheme.components,
        // react-admin's loading spinners carry role="progressbar" but no name.
        MuiCircularProgress: { defaultProps: { 'aria-label': 'Loading' } as object },
    },
};
