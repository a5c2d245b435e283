import type { AuthProvider, UserIdentity } from 'react-admin';

import type { ShopClient } from '../api/client';
import type { Session, TokenAnswer } from '../api/session';
import type { User } from '../api/types';

interface LoginAnswer extends TokenAnswer {
    user: User;
}

export const NOT_AN_ADMIN =
    'This console is for shop administrators only. Your account is not an admin account, so the console shows no data.';

export class NotAnAdmin extends Error {
    constructor() {
        super(NOT_AN_ADMIN);
        this.name = 'NotAnAdmin';
    }
}

/** Signing in, staying signed in, and refusing anyone whose role is not `admin`. */
export const createAuthProvider = (session: Session, client: ShopClient): AuthProvider => {
    let identity: UserIdentity | null = null;

    const requireAdmin = async () => {
        if (session.role() !== 'admin') {
            identity = null;
            await session.end();
            throw new NotAnAdmin();
        }
    };

    return {
        async login(params: { email?: string; password?: string }) {
            const answer = await client.request<LoginAnswer>('POST', '/auth/login', {
                body: { email: params.email ?? '', password: params.password ?? '' },
                auth: false,
            });
            session.begin(answer);
            await requireAdmin();
            identity = { id: answer.user.id };
        },

        async logout() {
            identity = null;
            await session.end();
        },

        async checkAuth() {
            if (!session.active() && !(await session.refresh())) {
                // Nothing to say: a reload or a new tab simply starts signed out.
                throw { message: false };
            }
            await requireAdmin();
        },

        async checkError(error: { status?: number }) {
            if (error?.status === 401) {
                // The client already tried one refresh: the session is over.
                identity = null;
                await session.end();
                throw new Error('Your session has ended. Please sign in again.');
            }
            if (error?.status === 403 && session.role() !== 'admin') await requireAdmin();
        },

        // No fullName: the app bar then shows an icon button named "Profile", whose name and
        // visible content agree (a name shown as its text would not match its label).
        async getIdentity() {
            if (!identity) {
                const me = await client.request<User>('GET', '/auth/me');
                identity = { id: me.id };
            }
            return identity;
        },

        async getPermissions() {
            return session.role();
        },
    };
};
