/**
 * A budget that refills continuously: at most `burst` at once, `perSecond` more each second.
 * Synchronous on purpose (unlike rate-limiter-flexible): a connection's messages are handled
 * in the order they arrive, and a budget checked in between must not reorder them.
 */
export class TokenBucket {
	readonly #burst: number;
	readonly #perSecond: number;
	#tokens: number;
	#refilledAt: number;

	constructor(burst: number, perSecond: number, now = Date.now()) {
		this.#burst = burst;
		this.#perSecond = perSecond;
		this.#tokens = burst;
		this.#refilledAt = now;
	}

	/** Takes `amount` if the budget holds it now; false (taking nothing) otherwise. */
	take(amount = 1, now = Date.now()): boolean {
		this.#tokens = Math.min(
			this.#burst,
			this.#tokens + (Math.max(0, now - this.#refilledAt) / 1000) * this.#perSecond
		);
		this.#refilledAt = now;
		if (this.#tokens < amount) return false;
		this.#tokens -= amount;
		return true;
	}
}
