/** The claims the console reads from an access token. The shop verifies the signature; this only reads. */
export interface AccessClaims {
    sub?: string;
    role?: string;
    exp?: number;
}

export const readClaims = (token: string): AccessClaims => {
    const payload = token.split('.')[1];
    if (!payload) return {};
    try {
        const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
        const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
        return JSON.parse(atob(padded)) as AccessClaims;
    } catch {
        return {};
    }
};
