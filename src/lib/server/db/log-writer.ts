import { getTableColumns } from 'drizzle-orm';
import type { Logger } from '../log.ts';
import type { DatabaseAvailability } from './availability.ts';
import { describeDatabaseError, isConnectionError } from './connection-errors.ts';
import type { Fence } from './ownership.ts';
import { collabUpdates, sessionEvents } from './schema.ts';

/**
 * Writes to the append-only logs (live-session events, agreement updates): many small rows,
 * on the hot path of every live interaction. A plain multi-row INSERT, without the ORM: the
 * callers batch, so one commit (and one disk flush) carries every row of a tick. Commits stay
 * synchronous — a separation a party was told about must survive a crash of PostgreSQL too.
 */
export type LogTable = 'session_events' | 'collab_updates';

export interface LogWriter {
	/**
	 * Resolves once the rows are durable, with the resources whose rows were refused because
	 * their epoch is no longer the newest (`fences[i]` is row i's; ownership.ts): those rows
	 * are not stored, the others are. A write whose connection was lost is made again once
	 * the database answers, as often as it takes, so that a dropped connection or a restart of
	 * PostgreSQL fails nothing; it rejects only when the database refused the rows.
	 */
	append(
		table: LogTable,
		columns: readonly string[],
		rows: unknown[][],
		fences: readonly Fence[]
	): Promise<Set<string>>;
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

/**
 * Each log column's SQL type, for the rows' VALUES (which are typed by nothing else): read
 * from the tables' Drizzle definitions, so a column added there needs nothing here.
 */
const COLUMN_TYPES: Record<LogTable, Record<string, string>> = Object.fromEntries(
	Object.entries({ session_events: sessionEvents, collab_updates: collabUpdates }).map(
		([table, definition]) => [
			table,
			Object.fromEntries(
				Object.values(getTableColumns(definition)).map((column) => [
					column.name,
					column.getSQLType()
				])
			)
		]
	)
) as Record<LogTable, Record<string, string>>;

/**
 * The INSERT of `rows` rows, each stored only while the epoch it names is its resource's
 * newest (ownership.ts). The owners' rows are locked FOR SHARE until the commit: a takeover
 * (an UPDATE of that row) waits for a write that passed the check, and a write that comes
 * after the takeover sees the new epoch and stores nothing. $1 and $2 are the resources and
 * epochs; each row's VALUES end with its resource. Returns the first column of what was
 * stored (the key: a meeting, a document).
 */
export function fencedInsertStatement(
	table: LogTable,
	columns: readonly string[],
	rows: number
): string {
	const key = `fenced:${table}:${columns.join(',')}:${rows}`;
	let statement = statements.get(key);
	if (statement) return statement;
	const types = columns.map((column) => {
		const type = COLUMN_TYPES[table][column];
		if (!type) throw new Error(`${table}.${column}: no type known for a fenced insert`);
		return type;
	});
	const width = columns.length + 1;
	const values = Array.from(
		{ length: rows },
		(_, r) => `(${[...types, 'text'].map((type, c) => `$${r * width + c + 3}::${type}`).join(',')})`
	);
	const names = columns.map((c) => `"${c}"`).join(',');
	statement =
		`with fence as materialized (select resource from live_owners` +
		` where (resource, epoch) in (select * from unnest($1::text[], $2::int4[])) for share)` +
		` insert into "${table}" (${names}) select ${names} from (values ${values.join(',')})` +
		` as v(${names},resource) where v.resource in (select resource from fence)` +
		` returning "${columns[0]}"::text as key`;
	if (rows <= 256) statements.set(key, statement);
	return statement;
}

/** The statement and parameters of a fenced write, and the resources it can refuse. */
function fencedWrite(
	table: LogTable,
	columns: readonly string[],
	rows: unknown[][],
	fences: readonly Fence[]
): [text: string, params: unknown[]] {
	if (fences.length !== rows.length) throw new RangeError('one fence per row');
	const pairs = new Map(
		fences.map(([resource, epoch]) => [`${resource}\n${epoch}`, [resource, epoch]])
	);
	const params: unknown[] = [
		[...pairs.values()].map(([resource]) => resource),
		[...pairs.values()].map(([, epoch]) => epoch)
	];
	rows.forEach((row, r) => params.push(...row, fences[r]![0]));
	return [fencedInsertStatement(table, columns, rows.length), params];
}

/** The resources whose rows the write did not store (their keys did not come back). */
function refusedBy(
	stored: Record<string, unknown>[],
	rows: unknown[][],
	fences: readonly Fence[]
): Set<string> {
	const keys = new Set(stored.map((row) => String(row.key)));
	const refused = new Set<string>();
	rows.forEach((row, r) => {
		if (!keys.has(String(row[0]))) refused.add(fences[r]![0]);
	});
	return refused;
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
	rows: unknown[][],
	fences: readonly Fence[]
): Promise<Set<string>> {
	const insert = () => query(...fencedWrite(table, columns, rows, fences));
	if (table === 'collab_updates') return refusedBy((await insert()).rows, rows, fences);
	const [meeting, seq, hash] = ['meeting_id', 'seq', 'hash'].map((c) => columns.indexOf(c));
	const stored = await query(
		`select meeting_id::text as meeting, seq, hash from session_events
		 where (meeting_id, seq) in (select * from unnest($1::uuid[], $2::int[]))`,
		[rows.map((row) => row[meeting!]), rows.map((row) => row[seq!])]
	);
	// One INSERT commits all its rows or none: all there is the write that was cut off.
	if (stored.rows.length === 0) return refusedBy((await insert()).rows, rows, fences);
	const hashes = new Map(stored.rows.map((row) => [`${row.meeting}:${row.seq}`, row.hash]));
	for (const row of rows) {
		const key = `${String(row[meeting!])}:${String(row[seq!])}`;
		if (hashes.get(key) !== row[hash!]) throw new LogConflictError(table, key);
	}
	return new Set();
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
		async append(table, columns, rows, fences) {
			if (rows.length * (columns.length + 1) > MAX_PARAMETERS)
				throw new RangeError('batch too large');
			try {
				return refusedBy(
					(await query(...fencedWrite(table, columns, rows, fences))).rows,
					rows,
					fences
				);
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
					const refused = await appendAgain(query, table, columns, rows, fences);
					log.warn(`${table}: the write is stored`, { rows: rows.length, attempts: attempt + 2 });
					return refused;
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
