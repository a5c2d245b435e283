/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served under /console/ by the same origin as the API (locally by the gateway,
// on AWS by CloudFront), so API calls are relative and need no CORS.
export default defineConfig({
    base: '/console/',
    plugins: [react()],
    build: {
        outDir: 'dist',
        emptyOutDir: true,
        sourcemap: false,
        chunkSizeWarningLimit: 1500,
    },
    server: {
        // `npm run dev` proxies the API to a running `make run` on its default port.
        proxy: Object.fromEntries(
            ['/auth', '/products', '/categories', '/admin', '/orders', '/.well-known'].map(path => [
                path,
                'http://127.0.0.1:3000',
            ])
        ),
    },
    test: {
        environment: 'node',
        include: ['src/**/*.test.ts'],
    },
});
