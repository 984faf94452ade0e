/** One count a connection is held under, with its ceiling (a person, a document, a meeting…). */
export interface QuotaKey {
	key: string;
	max: number;
}

/**
 * Open connections, counted under several keys at once: a connection takes a place under
 * every key it counts for, or under none when any of them is full. Its place is given back
 * when its socket is gone — not when it was asked to close: a connection that does not read
 * still holds its buffers until then.
 */
export class ConnectionQuota {
	readonly #counts = new Map<string, number>();

	/** A place under every key, and the function that gives it back (once); null when full. */
	take(keys: readonly QuotaKey[]): (() => void) | null {
		if (keys.some(({ key, max }) => (this.#counts.get(key) ?? 0) >= max)) return null;
		for (const { key } of keys) this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
		let held = true;
		return () => {
			if (!held) return;
			held = false;
			for (const { key } of keys) {
				const left = (this.#counts.get(key) ?? 1) - 1;
				if (left > 0) this.#counts.set(key, left);
				else this.#counts.delete(key);
			}
		};
	}

	/** Connections counted under a key now. */
	count(key: string): number {
		return this.#counts.get(key) ?? 0;
	}
}
