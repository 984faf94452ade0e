import type { Logger } from '../log.ts';
import type { LogTable, LogWriter } from './client.ts';
import { OwnershipLostError, type Fence } from './ownership.ts';

interface Pending {
	key: string;
	row: unknown[];
	fence: Fence;
	resolve: () => void;
	reject: (error: unknown) => void;
}

/** Rows per INSERT at most (a parameter limit, and a bound on one write's latency). */
const MAX_BATCH = 1_000;

/**
 * Appends rows to one append-only table in batches: everything appended in one tick goes out
 * in as few INSERTs as possible, several at once (the writer's parallelism). Rows of one key
 * (a session, a document) are written in the order they were appended: a key's later rows
 * wait for its batch in flight, while one slow write holds back only the keys it carries.
 * Each caller learns its row is durable when its promise resolves; when a write fails, the
 * rows of its keys appended meanwhile fail with it (a key's rows never have a gap). A key whose
 * rows were refused by their fence (another process owns it now, ownership.ts) fails the same
 * way, with OwnershipLostError; the other keys of the batch are stored.
 */
export class BatchedAppender {
	readonly #writer: LogWriter;
	readonly #table: LogTable;
	readonly #columns: readonly string[];
	readonly #log: Logger;
	readonly #parallelism: number;
	readonly #resource: (key: string) => string;
	#pending: Pending[] = [];
	readonly #inFlight = new Set<string>();
	readonly #writing = new Set<Promise<void>>();
	#scheduled = false;

	/**
	 * `resource`: what a key is owned as (ownership.ts). `parallelism`: writes in flight at most
	 * (the writer's at most); fewer: fuller commits.
	 */
	constructor(
		writer: LogWriter,
		table: LogTable,
		columns: readonly string[],
		log: Logger,
		options: { resource: (key: string) => string; parallelism?: number }
	) {
		this.#writer = writer;
		this.#table = table;
		this.#columns = columns;
		this.#log = log;
		this.#resource = options.resource;
		this.#parallelism = Math.min(writer.parallelism, options.parallelism ?? writer.parallelism);
	}

	/** Appends a row of `key`, to be stored only while `epoch` is the key's newest. */
	append(key: string, row: unknown[], epoch: number): Promise<void> {
		const fence: Fence = [this.#resource(key), epoch];
		const committed = new Promise<void>((resolve, reject) =>
			this.#pending.push({ key, row, fence, resolve, reject })
		);
		this.#schedule();
		return committed;
	}

	/** Resolves once everything appended so far is durable (or has failed). */
	async drain(): Promise<void> {
		while (this.#pending.length > 0 || this.#writing.size > 0) {
			this.#flush();
			await Promise.allSettled([...this.#writing]);
			await new Promise((resolve) => setImmediate(resolve));
		}
	}

	#schedule(): void {
		if (this.#scheduled) return;
		this.#scheduled = true;
		setImmediate(() => {
			this.#scheduled = false;
			this.#flush();
		});
	}

	#flush(): void {
		while (this.#pending.length > 0 && this.#writing.size < this.#parallelism) {
			const batch: Pending[] = [];
			const waiting: Pending[] = [];
			for (const pending of this.#pending)
				if (this.#inFlight.has(pending.key) || batch.length >= MAX_BATCH) waiting.push(pending);
				else batch.push(pending);
			if (batch.length === 0) return;
			const keys = new Set(batch.map((p) => p.key));
			this.#pending = waiting;
			for (const key of keys) this.#inFlight.add(key);
			const write = this.#write(batch).finally(() => {
				for (const key of keys) this.#inFlight.delete(key);
				this.#writing.delete(write);
				if (this.#pending.length > 0) this.#schedule();
			});
			this.#writing.add(write);
		}
	}

	async #write(batch: Pending[]): Promise<void> {
		let refused: Set<string>;
		try {
			refused = await this.#writer.append(
				this.#table,
				this.#columns,
				batch.map((p) => p.row),
				batch.map((p) => p.fence)
			);
		} catch (error) {
			this.#log.error(`${this.#table}: append failed`, { error, rows: batch.length });
			this.#fail(batch, () => error);
			return;
		}
		const lost = batch.filter((p) => refused.has(p.fence[0]));
		for (const p of batch) if (!refused.has(p.fence[0])) p.resolve();
		if (lost.length === 0) return;
		this.#log.warn(`${this.#table}: another process owns what these rows were for`, {
			resources: [...refused]
		});
		this.#fail(lost, (p) => new OwnershipLostError(p.fence[0]));
	}

	/**
	 * Fails rows that were not stored, and the rows of the same keys still waiting: they would
	 * follow rows that are not there (whoever appended them learns it, and starts again from
	 * the table).
	 */
	#fail(batch: Pending[], reason: (p: Pending) => unknown): void {
		const keys = new Set(batch.map((p) => p.key));
		const following = this.#pending.filter((p) => keys.has(p.key));
		this.#pending = this.#pending.filter((p) => !keys.has(p.key));
		for (const p of [...batch, ...following]) p.reject(reason(p));
	}
}
