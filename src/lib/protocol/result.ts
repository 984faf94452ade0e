import type { ErrorCode } from './errors.ts';

/** What every acknowledgement carries: a value, or an error a person can read. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };

export interface ProtocolError {
	code: ErrorCode;
	/** Already translated for the receiving person; never a server-internal message. */
	message: string;
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const err = (code: ErrorCode, message: string): Result<never> => ({
	ok: false,
	error: { code, message }
});
