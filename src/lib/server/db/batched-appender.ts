import type { Logger } from '../log.ts';
import type { LogTable, LogWriter } from './client.ts';

interface Pending<R> {
	key: string;
	row: unknown[];
	/** With the returned column of the row (see AppenderOptions.returning), else undefined. */
	resolve: (returned: R) => void;
	reject: (error: unknown) => void;
}

/** Rows per INSERT at most (a parameter limit, and a bound on one write's latency). */
const MAX_BATCH = 1_000;

export interface AppenderOptions {
	/** A column each `append` resolves to (a generated id, say). */
	returning?: string;
	/** Writes in flight at most: fewer means fuller, fewer commits (the writer's at most). */
	parallelism?: number;
}

/**
 * Appends rows to one append-only table in batches: everything appended in one tick goes out
 * in as few INSERTs as possible, several at once (the writer's parallelism). Rows of one key
 * (a session, a document) are written in the order they were appended: a key's later rows
 * wait for its batch in flight, while one slow write holds back only the keys it carries.
 * Each caller learns its row is durable when its promise resolves.
 */
export class BatchedAppender<R = void> {
	readonly #writer: LogWriter;
	readonly #table: LogTable;
	readonly #columns: readonly string[];
	readonly #log: Logger;
	readonly #returning: string | undefined;
	readonly #parallelism: number;
	#pending: Pending<R>[] = [];
	readonly #inFlight = new Set<string>();
	readonly #writing = new Set<Promise<void>>();
	#scheduled = false;

	constructor(
		writer: LogWriter,
		table: LogTable,
		columns: readonly string[],
		log: Logger,
		options: AppenderOptions = {}
	) {
		this.#writer = writer;
		this.#table = table;
		this.#columns = columns;
		this.#log = log;
		this.#returning = options.returning;
		this.#parallelism = Math.min(writer.parallelism, options.parallelism ?? writer.parallelism);
	}

	/** Resolves once the row is durable: to its `returning` column when one was asked for. */
	append(key: string, row: unknown[]): Promise<R> {
		const committed = new Promise<R>((resolve, reject) =>
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
			const batch: Pending<R>[] = [];
			const waiting: Pending<R>[] = [];
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

	async #write(batch: Pending<R>[]): Promise<void> {
		try {
			const returned = await this.#writer.append(
				this.#table,
				this.#columns,
				batch.map((p) => p.row),
				this.#returning
			);
			batch.forEach((p, i) => p.resolve(returned[i] as R));
		} catch (error) {
			this.#log.error(`${this.#table}: append failed`, {
				error: String(error),
				rows: batch.length
			});
			for (const p of batch) p.reject(error);
		}
	}
}
