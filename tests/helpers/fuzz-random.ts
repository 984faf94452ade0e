import fc from 'fast-check';

// Built once: making an arbitrary costs far more than sampling one.
const jsonValues = new Map<number, fc.Arbitrary<unknown>>();
const cached = <T>(cache: Map<number, T>, key: number, make: () => T): T => {
	let found = cache.get(key);
	if (found === undefined) cache.set(key, (found = make()));
	return found;
};

/**
 * Seeded randomness for the fuzz test: the same seed gives every worker the same inputs in the
 * same order (what the server makes of them, concurrently, may still differ from run to run).
 * mulberry32 for choices and strings; fast-check's JSON values, sampled with seeds drawn from
 * here, for structured junk.
 */
export class Rand {
	#state: number;

	constructor(seed: number) {
		this.#state = seed >>> 0;
	}

	/** A float in [0, 1). */
	next(): number {
		this.#state = (this.#state + 0x6d2b79f5) >>> 0;
		let t = this.#state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	}

	/** An integer in [min, max]. */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}

	chance(p: number): boolean {
		return this.next() < p;
	}

	pick<T>(items: readonly T[]): T {
		return items[this.int(0, items.length - 1)]!;
	}

	/** A new generator whose sequence depends only on this one's: one per worker or session. */
	fork(): Rand {
		return new Rand(this.int(0, 0xffffffff));
	}

	bytes(length: number): Uint8Array<ArrayBuffer> {
		const out = new Uint8Array(length);
		const view = new DataView(out.buffer);
		for (let i = 0; i + 4 <= length; i += 4) view.setUint32(i, this.next() * 2 ** 32);
		for (let i = length - (length % 4); i < length; i++) out[i] = this.int(0, 255);
		return out;
	}

	/** Any JSON value: nested, unicode, numbers at their edges. */
	json(maxDepth = 4): unknown {
		const arbitrary = cached(jsonValues, maxDepth, () => fc.jsonValue({ maxDepth }));
		return fc.sample(arbitrary, { seed: this.int(0, 0x7fffffff), numRuns: 1 })[0];
	}

	/**
	 * A string of any UTF-16 code units (lone surrogates, controls, NUL), up to `maxLength`;
	 * mostly ASCII, which reaches further into parsers than noise does.
	 */
	text(maxLength = 40): string {
		const codes: number[] = [];
		for (let i = this.int(0, maxLength); i > 0; i--)
			codes.push(this.chance(0.7) ? this.int(0x20, 0x7e) : this.int(0, 0xffff));
		return String.fromCharCode(...codes);
	}

	/** A number where parsers break: huge, negative, fractional, beyond 2^32 and 2^53. */
	edgeNumber(): number | string {
		return this.pick([
			0,
			-1,
			1.5,
			2 ** 31,
			2 ** 32 - 1,
			2 ** 32,
			2 ** 53,
			Number.MAX_SAFE_INTEGER + 2,
			1e21,
			'1e9',
			'NaN',
			'-0',
			this.int(0, 100)
		]);
	}
}

/** A seed from the environment (to reproduce a run), or a new one. */
export function seedFrom(value: string | undefined): number {
	const parsed = Number(value);
	return Number.isInteger(parsed) && value !== '' && value !== undefined
		? parsed >>> 0
		: Math.floor(Math.random() * 0xffffffff);
}
