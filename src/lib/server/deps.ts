import type { Config } from '#server/config.ts';
import type { MediaBackend } from '#server/media/backend.ts';
import type { Auth } from './auth/auth.ts';
import type { Clock } from './clock.ts';
import type { DatabaseAvailability } from './db/availability.ts';
import type { Database, LogWriter } from './db/client.ts';
import type { Logger } from './log.ts';
import type { Transports } from './notifications/transports.ts';
import type { PublicUrl } from './public-url.ts';
import type { SharedRedis } from './redis.ts';

/** Everything server code needs from the outside world, created once per process by the host. */
export interface Deps {
	config: Config;
	/** Where people reach Mend: the one source of every address written for someone to follow. */
	publicUrl: PublicUrl;
	db: Database;
	/** The append-only logs' lean writer (see LogWriter). */
	logWriter: LogWriter;
	/** Whether the database answers now (a lost connection is watched until it is back). */
	database: DatabaseAvailability;
	auth: Auth;
	clock: Clock;
	log: Logger;
	/** LiveKit, or the built-in browser-to-browser mode. */
	media: MediaBackend;
	/** How the outbox reaches people, per channel (none: staff read it on the outbox page). */
	transports: Transports;
	/**
	 * Where the deployment's processes count rate limits together (REDIS_URL); null: each
	 * counts on its own. Limiters come from `limiterOf(deps, limit)` (limiters.ts).
	 */
	redis: SharedRedis | null;
}

// On globalThis, not in a module variable: in `vite dev` the host (a Vite plugin) and the pages
// (loaded through Vite's module runner) hold separate copies of this module but share one process.
const KEY = Symbol.for('mend.deps');
type Holder = { [KEY]?: Deps };

export function provideDeps(deps: Deps | undefined): void {
	(globalThis as Holder)[KEY] = deps;
}

export function getDeps(): Deps {
	const deps = (globalThis as Holder)[KEY];
	if (!deps) throw new Error('Mend is not started: server/index.ts (or `vite dev`) provides deps');
	return deps;
}
