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
 * leave the program's control more easily than the database does.
 */
export function createLogger(level: LogLevel): Logger {
	const emit =
		(at: Exclude<LogLevel, 'silent'>) => (message: string, detail?: Record<string, unknown>) => {
			if (ORDER[at] < ORDER[level]) return;
			const suffix = detail ? ` ${JSON.stringify(detail)}` : '';
			console.error(`${new Date().toISOString()} ${at.toUpperCase()} ${message}${suffix}`);
		};
	return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
