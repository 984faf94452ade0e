import type { LogLevel } from '#server/config.ts';

export interface Logger {
	debug(message: string, detail?: Record<string, unknown>): void;
	info(message: string, detail?: Record<string, unknown>): void;
	warn(message: string, detail?: Record<string, unknown>): void;
	error(message: string, detail?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * One line per event on stderr. Never pass contact details or free text of a case here: logs
 * leave the program's control more easily than the database does. An error passed as a detail
 * is written as `describeError` says, never as its own message alone.
 */
export function createLogger(level: LogLevel): Logger {
	const emit =
		(at: Exclude<LogLevel, 'silent'>) => (message: string, detail?: Record<string, unknown>) => {
			if (ORDER[at] < ORDER[level]) return;
			const suffix = detail ? ` ${JSON.stringify(detail, describeErrors)}` : '';
			console.error(`${new Date().toISOString()} ${at.toUpperCase()} ${message}${suffix}`);
		};
	return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** Errors are described wherever they sit, and so is whatever is passed as `error`. */
const describeErrors = (key: string, value: unknown) =>
	value instanceof Error || (key === 'error' && typeof value === 'object' && value !== null)
		? describeError(value)
		: value;

/** Where a statement's values start in Drizzle's message: `Failed query: …\nparams: …`. */
const PARAMS = /\nparams:[\s\S]*$/;

/**
 * What a log may say of an error: for it and each error it wraps, its name, code, the first line
 * of its message and, for a PostgreSQL error, the table, column and constraint it names — then
 * where it was thrown. Never a statement's parameters (Drizzle puts them in its message, and
 * they hold names, e-mail addresses, case text) nor the values PostgreSQL quotes in its own
 * messages (`invalid input syntax for type uuid: "…"`).
 */
export function describeError(error: unknown): string {
	const parts: string[] = [];
	let link: unknown = error;
	for (let depth = 0; depth < 4 && link; depth++) {
		parts.push(describeOne(link));
		link = typeof link === 'object' ? (link as { cause?: unknown }).cause : undefined;
	}
	const stack = error instanceof Error ? (error.stack ?? '') : '';
	// The stack's first lines repeat the message: only its frames are kept.
	const frames = stack
		.split('\n')
		.filter((line) => /^\s+at /.test(line))
		.slice(0, 8)
		.map((line) => line.trim());
	return [parts.join(' ← '), ...frames].join('\n  ');
}

function describeOne(error: unknown): string {
	if (typeof error !== 'object' || error === null) return typeof error;
	const { name, code, message, table, column, constraint } = error as Record<string, unknown>;
	const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
	let text = typeof message === 'string' ? message.replace(PARAMS, '') : '';
	if (sqlState) text = text.replace(/"[^"]*"/g, '"…"');
	text = text.split('\n')[0]!.slice(0, 300);
	const where = sqlState
		? Object.entries({ table, column, constraint })
				.filter(([, value]) => typeof value === 'string')
				.map(([key, value]) => `${key}=${value as string}`)
		: [];
	return [
		typeof name === 'string' ? name : 'Error',
		typeof code === 'string' ? `[${code}]` : '',
		text ? `: ${text}` : '',
		where.length ? ` (${where.join(', ')})` : ''
	].join('');
}
