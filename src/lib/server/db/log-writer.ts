import type { Logger } from '../log.ts';
import type { DatabaseAvailability } from './availability.ts';
import { describeDatabaseError, isConnectionError } from './connection-errors.ts';

/**
 * Writes to the append-only logs (live-session events, agreement updates): many small rows,
 * on the hot path of every live interaction. A plain multi-row INSERT, without the ORM: the
 * callers batch, so one commit (and one disk flush) carries every row of a tick. Commits stay
 * synchronous — a separation a party was told about must survive a crash of PostgreSQL too.
 */
export type LogTable = 'session_events' | 'collab_updates';

export interface LogWriter {
	/**
	 * Resolves once the rows are durable. A write whose connection was lost is made again once
	 * the database answers, as often as it takes, so that a dropped connection or a restart of
	 * PostgreSQL fails nothing; it rejects only when the database refused the rows.
	 */
	append(table: LogTable, columns: readonly string[], rows: unknown[][]): Promise<void>;
	/** How many appends may be in flight at once (one connection each). */
	readonly parallelism: number;
	/**
	 * The process is stopping: a write waiting for the database is tried once more and then
	 * given up (its callers were never told it was durable).
	 */
	stopRetrying(): void;
}

/** What the writer needs of a driver: a parameterised statement, its rows. */
export type Query = (
	text: string,
	params: unknown[]
) => Promise<{ rows: Record<string, unknown>[] }>;

/** PostgreSQL allows 65,535 parameters per statement. */
const MAX_PARAMETERS = 60_000;

/** Waits between attempts to write again, once the database answers: 50 ms, doubling, 2 s at most. */
const REWRITE_FIRST_MS = 50;
const REWRITE_MAX_MS = 2_000;

const statements = new Map<string, string>();

/** The INSERT of `rows` rows (kept: the same few sizes come back all the time). */
export function insertStatement(table: string, columns: readonly string[], rows: number): string {
	const key = `${table}:${columns.join(',')}:${rows}`;
	let statement = statements.get(key);
	if (!statement) {
		statement = buildInsert(table, columns, rows);
		if (rows <= 256) statements.set(key, statement);
	}
	return statement;
}

function buildInsert(table: string, columns: readonly string[], rows: number): string {
	const placeholders = Array.from(
		{ length: rows },
		(_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(',')})`
	);
	return `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values ${placeholders.join(',')}`;
}

/** A log entry already stored under the same key is not the one being written. */
export class LogConflictError extends Error {
	constructor(table: LogTable, key: string) {
		super(`${table}: another entry is already stored at ${key}`);
		this.name = 'LogConflictError';
	}
}

/**
 * Writes rows again after their connection was lost, when their first INSERT may or may not
 * have committed (the answer to a COMMIT can be lost with its connection) — without storing
 * anything twice that matters:
 * - a live session's entries have a key, (meeting, seq), and a hash that chains them: when
 *   none is stored, they are written; when all are, each the very entry being written (its
 *   hash), the cut-off write had committed; anything else fails the write (someone else
 *   wrote those seqs: the session's memory is not the log's);
 * - agreement updates are Yjs updates, which merge idempotently: one stored twice changes no
 *   document, and compaction folds both copies (live-documents.ts counts only one, so it never
 *   deletes a row its snapshot lacks).
 */
async function appendAgain(
	query: Query,
	table: LogTable,
	columns: readonly string[],
	rows: unknown[][]
): Promise<void> {
	const insert = insertStatement(table, columns, rows.length);
	if (table === 'collab_updates') {
		await query(insert, rows.flat());
		return;
	}
	const [meeting, seq, hash] = ['meeting_id', 'seq', 'hash'].map((c) => columns.indexOf(c));
	const stored = await query(
		`select meeting_id::text as meeting, seq, hash from session_events
		 where (meeting_id, seq) in (select * from unnest($1::uuid[], $2::int[]))`,
		[rows.map((row) => row[meeting!]), rows.map((row) => row[seq!])]
	);
	// One INSERT commits all its rows or none: all there is the write that was cut off.
	if (stored.rows.length === 0) {
		await query(insert, rows.flat());
		return;
	}
	const hashes = new Map(stored.rows.map((row) => [`${row.meeting}:${row.seq}`, row.hash]));
	for (const row of rows) {
		const key = `${String(row[meeting!])}:${String(row[seq!])}`;
		if (hashes.get(key) !== row[hash!]) throw new LogConflictError(table, key);
	}
}

/**
 * The writer over one driver's `query`. A write that fails because its connection was lost
 * (isConnectionError) waits for the database to answer again (`availability`), then is made
 * again (appendAgain) until it succeeds; any other failure is the caller's.
 */
export function createLogWriter(
	query: Query,
	availability: DatabaseAvailability,
	log: Logger,
	parallelism: number
): LogWriter {
	let stopping = false;
	let stopped!: () => void;
	const stop = new Promise<void>((resolve) => (stopped = resolve));

	return {
		parallelism,
		async append(table, columns, rows) {
			if (rows.length * columns.length > MAX_PARAMETERS) throw new RangeError('batch too large');
			try {
				await query(insertStatement(table, columns, rows.length), rows.flat());
				return;
			} catch (error) {
				if (!isConnectionError(error)) throw error;
				availability.report(error);
				log.warn(
					`${table}: a write lost its connection; writing it again once the database answers`,
					{
						rows: rows.length,
						error: describeDatabaseError(error)
					}
				);
			}
			for (let attempt = 0; ; attempt++) {
				await Promise.race([availability.whenAvailable(), stop]);
				await new Promise((resolve) =>
					setTimeout(resolve, Math.min(REWRITE_MAX_MS, REWRITE_FIRST_MS * 2 ** attempt))
				);
				try {
					await appendAgain(query, table, columns, rows);
					log.warn(`${table}: the write is stored`, { rows: rows.length, attempts: attempt + 2 });
					return;
				} catch (error) {
					if (!isConnectionError(error) || stopping) throw error;
					availability.report(error);
				}
			}
		},
		stopRetrying() {
			stopping = true;
			stopped();
		}
	};
}
