import type { Logger } from '../log.ts';
import { describeDatabaseError, isConnectionError } from './connection-errors.ts';

/** How long a check of the database may take before it counts as not answering. */
export const DATABASE_CHECK_TIMEOUT_MS = 2_000;

/** Waits between reconnection attempts: the first at once, then growing to this at most. */
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 1_000;

interface Outage {
	startedAt: number;
	/** A reconnection attempt failed: the database is not merely missing one connection. */
	confirmed: boolean;
	/** Resolves when a reconnection attempt succeeds (or the process stops watching). */
	over: Promise<void>;
	end: () => void;
	/** Resolves once the first reconnection attempt is done: whether it succeeded. */
	firstAttempt: Promise<boolean>;
	attempted: (succeeded: boolean) => void;
}

export interface AvailabilityOptions {
	/** Connects afresh and asks the database something; rejects when it does not answer. */
	reconnect: () => Promise<void>;
	/** Asks the database something over the connections the application uses. */
	ping: () => Promise<void>;
	log: Logger;
}

/**
 * Whether the database answers, as the process has seen it. A lost connection (reported by
 * whoever met it: the pool, a query, a write) starts an outage, said once in the log; from then
 * on the process tries to reconnect, at once and then every second at most, until it succeeds,
 * and says so. Killing one connection (an operator's pg_terminate_backend, a proxy's idle
 * timeout) ends in the first attempt; only an attempt that fails makes the database
 * *unavailable*, when callers refuse what they cannot make durable.
 */
export class DatabaseAvailability {
	readonly #options: AvailabilityOptions;
	#outage: Outage | null = null;
	#closed = false;

	constructor(options: AvailabilityOptions) {
		this.#options = options;
	}

	/** False from the first failed reconnection attempt of an outage until one succeeds. */
	get available(): boolean {
		return !this.#outage?.confirmed;
	}

	/** A failure met while using the database: a lost connection starts an outage. */
	report(error: unknown): void {
		if (this.#closed || this.#outage || !isConnectionError(error)) return;
		let end!: () => void;
		const over = new Promise<void>((resolve) => (end = resolve));
		let attempted!: (succeeded: boolean) => void;
		const firstAttempt = new Promise<boolean>((resolve) => (attempted = resolve));
		const outage: Outage = {
			startedAt: performance.now(),
			confirmed: false,
			over,
			end,
			firstAttempt,
			attempted
		};
		this.#outage = outage;
		this.#options.log.warn(
			`database connection lost (${describeDatabaseError(error)}): reconnecting`
		);
		void this.#reconnect(outage);
	}

	/** Resolves once no outage is under way (at once when none is). */
	whenAvailable(): Promise<void> {
		return this.#outage?.over ?? Promise.resolve();
	}

	/**
	 * Whether a fresh connection works, without waiting for the end of an outage: true at once
	 * when none is under way, else the outcome of its first reconnection attempt (by then, the
	 * pool has also dropped the other connections that were lost at the same time).
	 */
	reconnects(): Promise<boolean> {
		const outage = this.#outage;
		if (!outage) return Promise.resolve(true);
		return outage.confirmed ? Promise.resolve(false) : outage.firstAttempt;
	}

	/** Whether the database answers now, within `timeoutMs` (the health check). */
	async check(timeoutMs = DATABASE_CHECK_TIMEOUT_MS): Promise<boolean> {
		let timer: NodeJS.Timeout | undefined;
		const timedOut = new Promise<false>((resolve) => {
			timer = setTimeout(() => resolve(false), timeoutMs);
		});
		const answered = this.#options.ping().then(
			() => true,
			(error: unknown) => {
				this.report(error);
				return false;
			}
		);
		try {
			return await Promise.race([answered, timedOut]);
		} finally {
			clearTimeout(timer);
		}
	}

	/** Stops reconnecting (the process is stopping); whoever waits is let go. */
	close(): void {
		this.#closed = true;
		this.#outage?.attempted(false);
		this.#outage?.end();
	}

	async #reconnect(outage: Outage): Promise<void> {
		const { log } = this.#options;
		for (let attempt = 0; !this.#closed; attempt++) {
			try {
				await this.#options.reconnect();
				outage.attempted(true);
				break;
			} catch (error) {
				outage.attempted(false);
				if (!outage.confirmed) {
					outage.confirmed = true;
					log.error(
						`database unavailable (${describeDatabaseError(error)}): commands and pages are refused until it answers`
					);
				}
				const waitMs = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** attempt);
				await new Promise((resolve) => setTimeout(resolve, waitMs).unref());
			}
		}
		this.#outage = null;
		outage.end();
		if (!this.#closed) {
			const seconds = ((performance.now() - outage.startedAt) / 1000).toFixed(1);
			log.warn(`database reconnected after ${seconds} s`);
		}
	}
}

/** An embedded database has no connection to lose: always available. */
export function alwaysAvailable(ping: () => Promise<void>, log: Logger): DatabaseAvailability {
	return new DatabaseAvailability({ reconnect: ping, ping, log });
}
