import { Alert, Button, CardContent, CircularProgress, Typography } from '@mui/material';
import { useState } from 'react';
import { Form, Login, PasswordInput, TextInput, useLogin } from 'react-admin';

interface Credentials {
    email?: string;
    password?: string;
}

/**
 * The sign-in screen. A refusal (wrong password, a customer's account, a disabled account)
 * stays on screen as an alert rather than a toast that fades.
 */
const LoginForm = () => {
    const login = useLogin();
    const [error, setError] = useState<string | null>(null);
    const [busy, setBusy] = useState(false);

    const submit = async (values: Credentials) => {
        setBusy(true);
        setError(null);
        try {
            await login(values);
        } catch (refusal) {
            setError(refusal instanceof Error ? refusal.message : 'Signing in failed. Please try again.');
        } finally {
            setBusy(false);
        }
    };

    return (
        <Form onSubmit={(values: Record<string, unknown>) => void submit(values as Credentials)} noValidate>
            <CardContent sx={{ width: 320 }}>
                <Typography component="h1" variant="h6" gutterBottom>
                    Serverless Shop console
                </Typography>
                {error && (
                    <Alert severity="error" role="alert" sx={{ mb: 2 }}>
                        {error}
                    </Alert>
                )}
                <TextInput source="email" label="Email" type="email" autoComplete="username" autoFocus />
                <PasswordInput source="password" label="Password" autoComplete="current-password" />
                <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 1 }}>
                    {busy ? <CircularProgress size={20} aria-label="Signing in" /> : 'Sign in'}
                </Button>
                <Typography variant="body2" sx={{ mt: 2 }}>
                    For your safety the console keeps your session in this page only: reloading it
                    or opening a new tab asks you to sign in again.
                </Typography>
            </CardContent>
        </Form>
    );
};

export const LoginPage = () => (
    <Login sx={{ background: 'none', backgroundColor: 'grey.100' }}>
        <LoginForm />
    </Login>
);
