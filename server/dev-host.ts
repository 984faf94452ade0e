import type { Server } from 'node:http';
import { seedDemo } from '#lib/server/demo/seed-demo.ts';
import { provideDeps, type Deps } from '#lib/server/deps.ts';
import { startSweeper } from '#lib/server/notifications/sweeper.ts';
import { boot, type Booted } from './boot.ts';
import { loadConfig } from './config.ts';
import { attachRealtime } from './realtime.ts';

// Vite re-runs configureServer when its config changes; the database (one PGlite per data
// directory, per process) must be opened once for the life of the process, and so are the
// demo and the sweeper.
const KEY = Symbol.for('mend.devHost');
type DevHost = { booted: Promise<Booted>; listening?: Promise<void> };
type Holder = { [KEY]?: DevHost };

export async function startDevHost(httpServer: Server, env: Record<string, string | undefined>) {
	const holder = globalThis as Holder;
	const host = (holder[KEY] ??= { booted: boot(loadConfig(env)) });
	const { deps } = await host.booted;
	provideDeps(deps);
	// `vite dev` is the only process on its database: it serves from the start.
	deps.media.start?.();
	attachRealtime(httpServer, deps);
	// Vite listens after its plugins are configured; the links the demo and the sweeper write
	// need the address it listens on (unless PUBLIC_URL is set).
	const started = () => {
		host.listening ??= whenListening(httpServer, deps).catch((error: unknown) =>
			deps.log.error('the dev host could not start its services', { error })
		);
	};
	if (httpServer.listening) started();
	else httpServer.once('listening', started);
}

async function whenListening(httpServer: Server, deps: Deps): Promise<void> {
	deps.publicUrl.listening(httpServer.address());
	if (deps.config.seedDemo) {
		const demo = await seedDemo(deps);
		const lines = [`  Demo staff (password ${demo.logins[0]?.password}):`];
		for (const login of demo.logins) lines.push(`    ${login.email}`);
		lines.push(`  Demo joint session links:`);
		for (const link of demo.invitations)
			lines.push(`    ${link.role.padEnd(9)} ${deps.publicUrl.href}${link.path}`);
		console.log(lines.join('\n'));
	}
	// Its timer does not keep the process alive.
	startSweeper(deps);
}
