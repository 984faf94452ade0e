import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { turnHostOf } from './media/turn-addresses.ts';

/**
 * The one place that reads the environment. Every setting is validated once, at start-up, and
 * a bad or missing one stops the process with a message naming it. `.env.example` lists them.
 */

const flag = z
	.enum(['true', 'false', '1', '0', 'yes', 'no'], {
		error: 'must be one of true, false, 1, 0, yes, no'
	})
	.transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveInt = z.coerce.number({ error: 'must be a number' }).int().positive();

const EnvSchema = z.object({
	NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
	HOST: z.string().min(1).default('127.0.0.1'),
	PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(3000),
	PUBLIC_URL: z
		.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://mend.example.org' })
		.optional(),
	TRUST_PROXY: z
		.union([flag, z.coerce.number().int().min(0).max(10)], {
			error: 'must be false, true (one proxy) or the number of proxies in front of Mend'
		})
		.default(false)
		.transform((value) => (typeof value === 'number' ? value : value ? 1 : 0)),
	DATABASE_URL: z
		.string()
		.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL')
		.optional(),
	DATA_DIR: z.string().min(1).default('./data'),
	REDIS_URL: z
		.url({
			protocol: /^rediss?$/,
			error: 'must be a redis:// or rediss:// URL such as redis://redis.internal:6379'
		})
		.optional(),
	REDIS_KEY_PREFIX: z
		.string()
		.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores')
		.default('mend'),
	AUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
	PEER_URL: z
		.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://10.0.0.5:3000' })
		.optional(),
	SEED_DEMO: flag.optional(),
	INVITATION_GRACE_HOURS: positiveInt.default(24),
	ACCESS_CODE_MAX_ATTEMPTS: positiveInt.default(5),
	ACCESS_CODE_LOCK_MINUTES: positiveInt.default(15),
	BODY_SIZE_LIMIT: z
		.string()
		.regex(/^\d+[KMG]?$/, 'must be a size such as 512K or 1M')
		.default('512K'),
	LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
	COLLAB_COMPACT_AFTER_ROWS: positiveInt.default(500),
	ICE_SERVERS: z
		.string()
		.transform((value, ctx) => {
			try {
				return IceServersSchema.parse(JSON.parse(value));
			} catch {
				ctx.addIssue({
					code: 'custom',
					message:
						'must be a JSON array such as [{"urls":"stun:stun.example.org:3478"},{"urls":"turn:turn.example.org:3478","username":"u","credential":"p"}]'
				});
				return z.NEVER;
			}
		})
		.optional(),
	TURN_URLS: z
		.string()
		.transform((value) => value.split(',').map((url) => url.trim()))
		.pipe(
			z
				.array(
					z.string().refine((url) => turnHostOf(url) !== null, {
						error: (issue) =>
							`"${issue.input}" is not a TURN URL such as turn:turn.example.org:3478?transport=udp or turns:turn.example.org:5349?transport=tcp`
					})
				)
				.max(8)
		)
		.optional(),
	TURN_SECRET: z
		.string()
		.min(16, 'must be at least 16 characters (coturn’s static-auth-secret)')
		.optional(),
	LIVEKIT_URL: z
		.url({ protocol: /^(wss?|https?)$/, error: 'must be a ws(s):// or http(s):// URL' })
		.optional(),
	LIVEKIT_API_KEY: z.string().min(1).optional(),
	LIVEKIT_API_SECRET: z.string().min(1).optional(),
	LIVEKIT_E2EE: flag.default(false),
	LIVEKIT_TOKEN_TTL_MINUTES: positiveInt.max(60).default(5),
	SMTP_URL: z
		.url({
			protocol: /^smtps?$/,
			error: 'must be an smtp:// or smtps:// URL such as smtp://user:pass@mail.example.org:587'
		})
		.optional(),
	MAIL_FROM: z.string().min(3).optional(),
	SMS_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
	SMS_WEBHOOK_TOKEN: z.string().min(1).optional(),
	SMS_FROM: z.string().min(1).optional()
});

/** A STUN URL, or a TURN URL whose host Mend can read (its addresses are the relays'). */
const IceUrl = z
	.string()
	.regex(/^(stun|turns?):/)
	.refine((url) => !/^turns?:/.test(url) || turnHostOf(url) !== null);

const IceServersSchema = z
	.array(
		z.object({
			urls: z.union([IceUrl, z.array(IceUrl).min(1)]),
			username: z.string().optional(),
			credential: z.string().optional()
		})
	)
	.max(8);

export type LogLevel = z.infer<typeof EnvSchema>['LOG_LEVEL'];

export type DatabaseConfig =
	| { kind: 'pglite'; dataDir: string }
	| { kind: 'postgres'; url: string }
	/** In-memory PGlite, restored from a dump: tests only. */
	| { kind: 'pglite-memory'; loadDataDir?: Blob };

export interface Config {
	env: 'development' | 'production' | 'test';
	host: string;
	port: number;
	/**
	 * PUBLIC_URL as configured (required in production): the only origin requests are taken to
	 * come from. Links use `deps.publicUrl`, which is this or, unset, the address listened on.
	 */
	publicUrl: string | undefined;
	/**
	 * How many reverse proxies in front of Mend append to X-Forwarded-For (TRUST_PROXY: `true` is
	 * one); 0: forwarded headers are ignored. Each of them must be reachable only through the one
	 * before it (server/http.ts).
	 */
	trustProxy: number;
	database: DatabaseConfig;
	/**
	 * REDIS_URL and REDIS_KEY_PREFIX: where the processes of one deployment count their limits
	 * together (src/lib/server/redis.ts). Null: each process counts on its own, in memory.
	 */
	redis: RedisConfig | null;
	/**
	 * Several processes serving one deployment together: PostgreSQL and Redis both configured
	 * (server/cluster/). Null: this process serves alone, or stands by (server/active-role.ts).
	 */
	cluster: ClusterConfig | null;
	authSecret: string;
	/** True when no AUTH_SECRET was given outside production: sessions end when the process does. */
	authSecretIsEphemeral: boolean;
	seedDemo: boolean;
	invitationGraceMs: number;
	accessCode: { maxAttempts: number; lockMs: number };
	bodySizeLimit: string;
	logLevel: LogLevel;
	/** A shared document is folded into one snapshot after about this many stored updates. */
	collabCompactAfterRows: number;
	media: MediaConfig;
	notifications: NotificationsConfig;
}

export interface ClusterConfig {
	/**
	 * PEER_URL: where the other processes reach this one, e.g. http://10.0.0.5:3000. Unset: the
	 * address it listens on, 127.0.0.1 for all of them (processes on one machine).
	 */
	peerUrl: string | undefined;
}

export interface RedisConfig {
	url: string;
	/** Starts every key Mend writes: deployments that share one Redis keep apart by it. */
	keyPrefix: string;
}

/** How the outbox reaches people; with neither, everything stays in the outbox for staff. */
export interface NotificationsConfig {
	smtp: { url: string; from: string } | null;
	/** A generic HTTP text-message gateway: POST JSON { to, from, body }. */
	smsWebhook: { url: string; token: string | null; from: string | null } | null;
}

export type MediaConfig =
	/** WebRTC between the browsers, signalled through Mend: nothing else to install. */
	| {
			kind: 'p2p';
			/** Given to every browser as they are (ICE_SERVERS). */
			iceServers: z.infer<typeof IceServersSchema>;
			/**
			 * TURN servers that check credentials minted per participant (coturn's use-auth-secret):
			 * TURN_URLS and TURN_SECRET (server/media/turn-credentials.ts).
			 */
			turnRest: { urls: string[]; secret: string } | null;
			/**
			 * Every TURN URL configured, of both kinds. With any, the two sides of a case meet only
			 * through these servers: each browser uses relays only toward the other side, and a
			 * candidate passes between the sides only if it names one of these servers' addresses
			 * (hide-addresses.ts). With none, the sides connect directly.
			 */
			turnUrls: string[];
	  }
	| {
			kind: 'livekit';
			url: string;
			apiKey: string;
			apiSecret: string;
			e2ee: boolean;
			tokenTtlS: number;
			/** Also handed to browsers for the cases where LiveKit is unreachable. */
			iceServers: z.infer<typeof IceServersSchema>;
	  };

export class ConfigError extends Error {
	readonly problems: string[];

	constructor(problems: string[]) {
		super(`Mend cannot start: the configuration is not valid.\n  - ${problems.join('\n  - ')}`);
		this.name = 'ConfigError';
		this.problems = problems;
	}
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
	// An empty variable means "not set", as shells and .env files commonly write it.
	const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
	const parsed = EnvSchema.safeParse(present);
	if (!parsed.success) {
		throw new ConfigError(
			parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
		);
	}
	const e = parsed.data;

	if (e.NODE_ENV === 'production' && !e.AUTH_SECRET) {
		throw new ConfigError([
			'AUTH_SECRET: required in production (at least 32 random characters, e.g. `openssl rand -base64 48`)'
		]);
	}
	// Links, e-mails and signed agreements carry Mend's address: in production it is said, never
	// guessed (a request's Host is chosen by whoever sends it).
	if (e.NODE_ENV === 'production' && !e.PUBLIC_URL)
		throw new ConfigError([
			'PUBLIC_URL: required in production, the address people use, e.g. https://mend.example.org (invitation links, e-mails and signed agreements carry it)'
		]);

	// The demo's accounts have a published password: never in production, not even on request.
	if (e.NODE_ENV === 'production' && e.SEED_DEMO)
		throw new ConfigError([
			'SEED_DEMO: never in production (NODE_ENV=production): the demo accounts have a published password. Unset it, or set it to false'
		]);

	const livekitKeys = [e.LIVEKIT_URL, e.LIVEKIT_API_KEY, e.LIVEKIT_API_SECRET];
	if (livekitKeys.some(Boolean) && !livekitKeys.every(Boolean))
		throw new ConfigError([
			'LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET: set all three to use LiveKit, or none for browser-to-browser media'
		]);
	const iceServers = e.ICE_SERVERS ?? [];
	if (Boolean(e.TURN_URLS) !== Boolean(e.TURN_SECRET))
		throw new ConfigError([
			'TURN_URLS, TURN_SECRET: set both to mint TURN credentials per participant, or neither'
		]);
	const turnRest =
		e.TURN_URLS && e.TURN_SECRET ? { urls: e.TURN_URLS, secret: e.TURN_SECRET } : null;
	const media: MediaConfig =
		e.LIVEKIT_URL && e.LIVEKIT_API_KEY && e.LIVEKIT_API_SECRET
			? {
					kind: 'livekit',
					url: e.LIVEKIT_URL,
					apiKey: e.LIVEKIT_API_KEY,
					apiSecret: e.LIVEKIT_API_SECRET,
					e2ee: e.LIVEKIT_E2EE,
					tokenTtlS: e.LIVEKIT_TOKEN_TTL_MINUTES * 60,
					iceServers
				}
			: {
					kind: 'p2p',
					iceServers,
					turnRest,
					turnUrls: [
						...iceServers.flatMap((server) => [server.urls].flat()),
						...(turnRest?.urls ?? [])
					].filter((url) => /^turns?:/.test(url))
				};
	if (media.kind === 'livekit' && turnRest)
		throw new ConfigError([
			'TURN_URLS, TURN_SECRET: for browser-to-browser media only; LiveKit brings its own TURN (DEPLOYING.md)'
		]);

	if (e.SMTP_URL && !e.MAIL_FROM)
		throw new ConfigError([
			'MAIL_FROM: required with SMTP_URL, e.g. "Mend <mediation@program.example.org>"'
		]);

	// Keys in Redis are derived from AUTH_SECRET (redis.ts): processes that share limits must
	// share it, as they must to share staff sessions.
	if (e.REDIS_URL && !e.AUTH_SECRET)
		throw new ConfigError([
			'AUTH_SECRET: required with REDIS_URL — every process that shares the limits must have the same one (e.g. `openssl rand -base64 48`)'
		]);

	const database: DatabaseConfig = e.DATABASE_URL
		? { kind: 'postgres', url: e.DATABASE_URL }
		: { kind: 'pglite', dataDir: path.resolve(e.DATA_DIR) };

	return {
		env: e.NODE_ENV,
		host: e.HOST,
		port: e.PORT,
		publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
		trustProxy: e.TRUST_PROXY,
		database,
		redis: e.REDIS_URL ? { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX } : null,
		cluster:
			e.REDIS_URL && database.kind === 'postgres'
				? { peerUrl: e.PEER_URL?.replace(/\/+$/, '') }
				: null,
		authSecret: e.AUTH_SECRET ?? randomBytes(32).toString('base64url'),
		authSecretIsEphemeral: !e.AUTH_SECRET,
		// The embedded database is for trying Mend out: seed it unless told otherwise (and never
		// in production, refused above when asked for).
		seedDemo: e.SEED_DEMO ?? (database.kind === 'pglite' && e.NODE_ENV !== 'production'),
		invitationGraceMs: e.INVITATION_GRACE_HOURS * 60 * 60_000,
		accessCode: {
			maxAttempts: e.ACCESS_CODE_MAX_ATTEMPTS,
			lockMs: e.ACCESS_CODE_LOCK_MINUTES * 60_000
		},
		bodySizeLimit: e.BODY_SIZE_LIMIT,
		logLevel: e.LOG_LEVEL,
		collabCompactAfterRows: e.COLLAB_COMPACT_AFTER_ROWS,
		media,
		notifications: {
			smtp: e.SMTP_URL && e.MAIL_FROM ? { url: e.SMTP_URL, from: e.MAIL_FROM } : null,
			smsWebhook: e.SMS_WEBHOOK_URL
				? { url: e.SMS_WEBHOOK_URL, token: e.SMS_WEBHOOK_TOKEN ?? null, from: e.SMS_FROM ?? null }
				: null
		}
	};
}

/**
 * adapter-node takes its settings from the environment when its handler module loads; Mend's
 * own settings decide them. `headers` names the request headers it should read (server/http.ts).
 */
export function applyAdapterEnvironment(config: Config, headers: Record<string, string>): void {
	Object.assign(process.env, headers, { BODY_SIZE_LIMIT: config.bodySizeLimit });
}
