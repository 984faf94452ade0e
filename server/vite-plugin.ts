import type { Plugin } from 'vite';
import { loadEnv } from 'vite';

/**
 * Mounts Mend's realtime planes and services on `vite dev`'s own HTTP server, so development
 * runs the same `attachRealtime` as production. Under vitest and `vite build` it does nothing.
 */
export function mendRealtime(): Plugin {
	return {
		name: 'mend-realtime',
		apply: 'serve',
		async configureServer(server) {
			if (!server.httpServer) return;
			const env = { ...loadEnv(server.config.mode, server.config.root, ''), ...process.env };
			// Loaded here, not at the top: `vite build` must not open a database.
			const { startDevHost } = await import('./dev-host.ts');
			await startDevHost(server.httpServer as import('node:http').Server, env);
		}
	};
}
