/** Error codes that cross the wire; each maps to one HTTP status in src/lib/server/errors.ts. */
export const ERROR_CODES = {
	invalidInput: 'invalid_input',
	unauthenticated: 'unauthenticated',
	forbidden: 'forbidden',
	notFound: 'not_found',
	conflict: 'conflict',
	rateLimited: 'rate_limited',
	/** Too many open connections (tabs, devices) of one person, or to one meeting. */
	tooManyConnections: 'too_many_connections',
	protocolMismatch: 'protocol_mismatch',
	/** Mend's database did not answer: nothing was changed; try again in a moment. */
	unavailable: 'unavailable',
	internal: 'internal'
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
