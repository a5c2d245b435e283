import { createClient } from './api/client';
import { createDataProvider } from './api/dataProvider';
import { createSession } from './api/session';
import { createAuthProvider } from './auth/authProvider';

/** The console's one session, client and providers; the API is on the same origin. */
const session = createSession({ fetch: (...args) => window.fetch(...args) });
const client = createClient(session, (...args) => window.fetch(...args));

export const dataProvider = createDataProvider(client);
export const authProvider = createAuthProvider(session, client);
