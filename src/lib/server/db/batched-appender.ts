import type { Logger } from '../log.ts';
import type { LogTable, LogWriter } from './client.ts';

interface Pending {
	key: string;
	row: unknown[];
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
 * rows of its keys appended meanwhile fail with it (a key's rows never have a gap).
 */
export class BatchedAppender {
	readonly #writer: LogWriter;
	readonly #table: LogTable;
	readonly #columns: readonly string[];
	readonly #log: Logger;
	readonly #parallelism: number;
	#pending: Pending[] = [];
	readonly #inFlight = new Set<string>();
	readonly #writing = new Set<Promise<void>>();
	#scheduled = false;

	/** `parallelism`: writes in flight at most (the writer's at most); fewer: fuller commits. */
	constructor(
		writer: LogWriter,
		table: LogTable,
		columns: readonly string[],
		log: Logger,
		options: { parallelism?: number } = {}
	) {
		this.#writer = writer;
		this.#table = table;
		this.#columns = columns;
		this.#log = log;
		this.#parallelism = Math.min(writer.parallelism, options.parallelism ?? writer.parallelism);
	}

	append(key: string, row: unknown[]): Promise<void> {
		const committed = new Promise<void>((resolve, reject) =>
			this.#pending.push({ key, row, resolve, reject })
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
		try {
			await this.#writer.append(
				this.#table,
				this.#columns,
				batch.map((p) => p.row)
			);
			for (const p of batch) p.resolve();
		} catch (error) {
			// The rows of the same keys still waiting would follow rows that are not there: they
			// fail with them (whoever appended them learns it, and starts again from the table).
			const keys = new Set(batch.map((p) => p.key));
			const following = this.#pending.filter((p) => keys.has(p.key));
			this.#pending = this.#pending.filter((p) => !keys.has(p.key));
			this.#log.error(`${this.#table}: append failed`, {
				error,
				rows: batch.length + following.length
			});
			for (const p of [...batch, ...following]) p.reject(error);
		}
	}
}
