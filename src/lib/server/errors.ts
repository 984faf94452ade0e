import { ERROR_CODES, type ErrorCode } from '#lib/protocol/errors.ts';

/**
 * The one error type for expected failures. `message` is safe to show the person who caused
 * it; anything else thrown is a bug, logged in full and answered with a generic message.
 */
export class AppError extends Error {
	readonly code: ErrorCode;
	/** Field-level messages for form input, keyed by field path (e.g. `parties.0.email`). */
	readonly fields: Record<string, string> | undefined;

	constructor(code: ErrorCode, message: string, fields?: Record<string, string>) {
		super(message);
		this.name = 'AppError';
		this.code = code;
		this.fields = fields;
	}
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
	[ERROR_CODES.invalidInput]: 400,
	[ERROR_CODES.unauthenticated]: 401,
	[ERROR_CODES.forbidden]: 403,
	[ERROR_CODES.notFound]: 404,
	[ERROR_CODES.conflict]: 409,
	[ERROR_CODES.rateLimited]: 429,
	[ERROR_CODES.tooManyConnections]: 429,
	[ERROR_CODES.protocolMismatch]: 426,
	[ERROR_CODES.unavailable]: 503,
	[ERROR_CODES.internal]: 500
};

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
