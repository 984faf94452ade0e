import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { twoFactor } from 'better-auth/plugins';
import type { Config } from '#server/config.ts';
import type { Database } from '../db/client.ts';
import { isConnectionError } from '../db/connection-errors.ts';
import { account, session, twoFactor as twoFactorTable, user, verification } from '../db/schema.ts';
import type { Logger } from '../log.ts';

/** Staff sessions end after a working day; sensitive data should not sit in an idle browser. */
export const STAFF_SESSION_TTL_S = 12 * 60 * 60;
export const STAFF_MIN_PASSWORD_LENGTH = 12;

/**
 * Staff authentication: email + password with optional TOTP. Its HTTP handler is deliberately
 * not mounted: pages call `auth.api.*` from form actions (SvelteKit checks their origin), so
 * there is no public sign-up or other endpoint to harden.
 */
export function createAuth(db: Database, config: Config, log: Logger) {
	return betterAuth({
		appName: 'Mend',
		secret: config.authSecret,
		baseURL: config.publicUrl,
		database: drizzleAdapter(db, {
			provider: 'pg',
			schema: { user, session, account, verification, twoFactor: twoFactorTable }
		}),
		emailAndPassword: {
			enabled: true,
			// Staff accounts are created by a program admin (or the demo seed), never by sign-up.
			disableSignUp: true,
			minPasswordLength: STAFF_MIN_PASSWORD_LENGTH
		},
		session: { expiresIn: STAFF_SESSION_TTL_S, updateAge: 60 * 60 },
		advanced: {
			cookiePrefix: 'mend',
			useSecureCookies: config.publicUrl?.startsWith('https://') ?? false
		},
		plugins: [twoFactor({ issuer: 'Mend' })],
		telemetry: { enabled: false },
		logger: {
			disabled: config.logLevel === 'silent',
			// Its start-up advice about a base URL does not apply: links are built per request.
			level: config.logLevel === 'debug' ? 'debug' : 'error',
			log: (level, message, ...details) => {
				// A lost database connection is said once, by the pool, not per request.
				if (details.some(isConnectionError)) log.debug(`auth: ${message}`);
				else if (level === 'error') log.error(`auth: ${message}`);
				else if (level === 'warn') log.warn(`auth: ${message}`);
				else log.debug(`auth: ${message}`);
			}
		}
	});
}

export type Auth = ReturnType<typeof createAuth>;
