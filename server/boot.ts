import { fileURLToPath } from 'node:url';
import type { Config } from './config.ts';
import { createAuth } from '#lib/server/auth/auth.ts';
import { systemClock, type Clock } from '#lib/server/clock.ts';
import { openDatabase } from '#lib/server/db/client.ts';
import type { Deps } from '#lib/server/deps.ts';
import { createLogger, type Logger } from '#lib/server/log.ts';
import { createTransports } from '#lib/server/notifications/transports.ts';
import { PublicUrl } from '#lib/server/public-url.ts';
import { connectRedis } from '#lib/server/redis.ts';
import { createLiveKitBackend } from './media/livekit.ts';
import { deploymentTag } from './media/livekit-deployment.ts';
import { createP2PBackend } from './media/p2p.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));

export interface Booted {
	deps: Deps;
	close(): Promise<void>;
}

/** Opens the database, applies pending migrations and builds the services: once per process. */
export async function boot(
	config: Config,
	options: { clock?: Clock; log?: Logger; reconcileIntervalMs?: number } = {}
): Promise<Booted> {
	const log = options.log ?? createLogger(config.logLevel);
	const database = await openDatabase(config.database, log);
	try {
		await database.migrate(MIGRATIONS_FOLDER);
	} catch (error) {
		await database.close();
		throw error;
	}
	if (config.database.kind === 'pglite')
		log.warn(
			'The embedded database (PGlite) does not flush its writes to disk (no fsync): they survive a crash of Mend, but a power cut or a crash of the machine can lose what was already confirmed to people, or corrupt the data. Use PostgreSQL (DATABASE_URL) for real cases (DEPLOYING.md)'
		);
	if (config.authSecretIsEphemeral)
		log.warn('AUTH_SECRET is not set: staff sessions will not survive a restart');
	if (config.media.kind === 'p2p' && !config.media.turnUrls.length)
		log.warn(
			'No TURN server (ICE_SERVERS, TURN_URLS): in browser-to-browser media the two sides connect directly, and each browser can learn the other’s IP address (a place). Add a TURN server or use LiveKit (DEPLOYING.md)'
		);
	const clock = options.clock ?? systemClock;
	const redis = config.redis
		? await connectRedis(config.redis, { authSecret: config.authSecret, log })
		: null;
	const deps: Deps = {
		config,
		// Known now when PUBLIC_URL is set; otherwise once the host's server listens.
		publicUrl: new PublicUrl(config.publicUrl),
		db: database.db,
		logWriter: database.log,
		database: database.availability,
		auth: createAuth(database.db, config, log),
		clock,
		log,
		media:
			config.media.kind === 'livekit'
				? createLiveKitBackend(config.media, log, {
						deployment: deploymentTag(config),
						reconcileIntervalMs: options.reconcileIntervalMs
					})
				: await createP2PBackend(config.media, { clock, log }),
		transports: createTransports(config.notifications),
		redis
	};
	return {
		deps,
		close: async () => {
			deps.media.stop?.();
			for (const transport of Object.values(deps.transports)) transport.close?.();
			deps.redis?.close();
			await database.close();
		}
	};
}
