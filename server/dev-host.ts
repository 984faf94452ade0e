import type { Server } from 'node:http';
import { seedDemo } from '#lib/server/demo/seed-demo.ts';
import { provideDeps } from '#lib/server/deps.ts';
import { startSweeper } from '#lib/server/notifications/sweeper.ts';
import { boot, type Booted } from './boot.ts';
import { loadConfig } from './config.ts';
import { attachRealtime } from './realtime.ts';

// Vite re-runs configureServer when its config changes; the database (one PGlite per data
// directory, per process) must be opened once for the life of the process.
const KEY = Symbol.for('mend.devHost');
type Holder = { [KEY]?: Promise<Booted> };

export async function startDevHost(httpServer: Server, env: Record<string, string | undefined>) {
	const holder = globalThis as Holder;
	holder[KEY] ??= boot(loadConfig(env)).then(async (booted) => {
		if (booted.deps.config.seedDemo) {
			const demo = await seedDemo(booted.deps);
			const lines = [`  Demo staff (password ${demo.logins[0]?.password}):`];
			for (const login of demo.logins) lines.push(`    ${login.email}`);
			lines.push(`  Demo joint session links (paths on this dev server):`);
			for (const link of demo.invitations) lines.push(`    ${link.role.padEnd(9)} ${link.path}`);
			console.log(lines.join('\n'));
		}
		// Once per process, like the database; its timer does not keep the process alive.
		startSweeper(booted.deps);
		return booted;
	});
	const { deps } = await holder[KEY];
	provideDeps(deps);
	attachRealtime(httpServer, deps);
}
