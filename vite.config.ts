import { paraglideVitePlugin } from '@inlang/paraglide-js';
import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import { mendRealtime } from './server/vite-plugin.ts';
import { CSP_DIRECTIVES } from './src/lib/server/kit/content-security-policy.ts';

export default defineConfig({
	plugins: [
		// SvelteKit 3 refuses to start when a svelte.config.js exists: its options live here.
		sveltekit({
			compilerOptions: {
				// Runes everywhere in our code; libraries decide for themselves.
				runes: ({ filename }) =>
					filename.split(/[/\\]/).includes('node_modules') ? undefined : true
			},
			adapter: adapter(),
			// Every page is rendered per request: a fresh nonce each time (never prerendered).
			csp: { mode: 'nonce', directives: CSP_DIRECTIVES }
		}),
		paraglideVitePlugin({
			project: './project.inlang',
			outdir: './src/lib/paraglide',
			emitTsDeclarations: true,
			// Parties open plain links: no locale prefix in URLs.
			strategy: ['cookie', 'preferredLanguage', 'baseLocale']
		}),
		mendRealtime()
	],
	test: {
		expect: { requireAssertions: true },
		projects: [
			{
				extends: './vite.config.ts',
				test: {
					name: 'unit',
					environment: 'node',
					include: ['src/**/*.spec.ts', 'server/**/*.spec.ts']
				}
			},
			{
				extends: './vite.config.ts',
				test: {
					name: 'integration',
					environment: 'node',
					// One process for the files one after another, its modules loaded once: each file
					// starts its own servers on its own database, and what a process holds globally
					// (deps, planes: set by each server as it starts) is set again by the next. Isolated,
					// loading the modules again took 15–17 % of every run (~90 s of CI's PostgreSQL
					// pass); the 39 files passed alike either way.
					isolate: false,
					include: ['tests/integration/**/*.test.ts'],
					globalSetup: ['tests/helpers/global-setup.ts'],
					// The built app is loaded by Node itself, as in production: not re-transformed.
					server: { deps: { external: [/\/build\//] } },
					testTimeout: 30_000,
					hookTimeout: 60_000
				}
			},
			{
				extends: './vite.config.ts',
				test: {
					name: 'e2e',
					environment: 'node',
					include: ['tests/e2e/**/*.test.ts'],
					globalSetup: ['tests/helpers/global-setup.ts'],
					server: { deps: { external: [/\/build\//] } },
					testTimeout: 120_000,
					hookTimeout: 120_000
				}
			}
		]
	}
});
