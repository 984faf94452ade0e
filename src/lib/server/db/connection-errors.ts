/**
 * Which failures mean "the database did not answer" — its connection was cut, refused or timed
 * out, or the server is shutting down or starting up — as opposed to a statement the database
 * answered with a refusal (a constraint, a syntax error), which no retry would change.
 */

const UNAVAILABLE = 'MEND_DATABASE_UNAVAILABLE';

/** SQLSTATE classes and codes of a lost or refused connection. */
const CONNECTION_SQLSTATES = new Set([
	'57P01', // admin_shutdown: pg_terminate_backend, or a fast/immediate shutdown
	'57P02', // crash_shutdown
	'57P03', // cannot_connect_now: starting up, shutting down, in recovery
	'57P05', // idle_session_timeout
	'53300' // too_many_connections
]);

/** Node's own codes for a socket that could not connect or was cut. */
const SOCKET_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ECONNABORTED',
	'EPIPE',
	'ETIMEDOUT',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ENOTFOUND',
	'EAI_AGAIN'
]);

/** node-postgres' and pg-pool's own messages for the same (they carry no code). */
const DRIVER_MESSAGES = [
	'Connection terminated',
	'Client has encountered a connection error and is not queryable',
	'timeout exceeded when trying to connect',
	'Query read timeout'
];

/**
 * Thrown instead of waiting for a database that is known not to answer (availability.ts).
 * Recognised by its code, not its class: the built pages hold their own copy of this module.
 */
export class DatabaseUnavailableError extends Error {
	readonly code = UNAVAILABLE;

	/** Also: what holds the data does not answer — another process of the cluster. */
	constructor(message = 'the database does not answer') {
		super(message);
		this.name = 'DatabaseUnavailableError';
	}
}

/** The error and what it wraps (Drizzle's DrizzleQueryError, better-auth's APIError: `cause`). */
function* chain(error: unknown): Generator<unknown> {
	for (let depth = 0; depth < 6 && error; depth++) {
		yield error;
		if (error instanceof AggregateError) yield* error.errors.slice(0, 4);
		error = typeof error === 'object' ? (error as { cause?: unknown }).cause : undefined;
	}
}

function isConnectionFailure(error: unknown): boolean {
	if (typeof error !== 'object' || error === null) return false;
	const { code, message } = error as { code?: unknown; message?: unknown };
	if (typeof code === 'string') {
		if (code.startsWith('08') && code.length === 5) return true;
		if (CONNECTION_SQLSTATES.has(code) || SOCKET_CODES.has(code) || code === UNAVAILABLE)
			return true;
	}
	return typeof message === 'string' && DRIVER_MESSAGES.some((m) => message.startsWith(m));
}

/** Whether `error`, or anything it wraps, means the database could not be reached or was lost. */
export function isConnectionError(error: unknown): boolean {
	for (const link of chain(error)) if (isConnectionFailure(link)) return true;
	return false;
}

/**
 * What a log line says of a database failure: the driver's code and message only. Never the
 * statement or its parameters (Drizzle puts both in its message): they can hold personal data.
 */
export function describeDatabaseError(error: unknown): string {
	let last: unknown = error;
	for (const link of chain(error)) {
		if (isConnectionFailure(link)) {
			last = link;
			break;
		}
		last = link;
	}
	if (typeof last !== 'object' || last === null) return String(last);
	const { code, message } = last as { code?: unknown; message?: unknown };
	const text = typeof message === 'string' ? message.split('\n')[0]!.slice(0, 200) : 'error';
	return typeof code === 'string' ? `${code}: ${text}` : text;
}
