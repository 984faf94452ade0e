import { describe, expect, it } from 'vitest';
import {
	DatabaseUnavailableError,
	describeDatabaseError,
	isConnectionError
} from './connection-errors.ts';

/** An error as node-postgres makes it from a server's ErrorResponse. */
const serverError = (code: string, message: string) =>
	Object.assign(new Error(message), { code, severity: 'FATAL' });
/** As Drizzle wraps a driver's error: the statement and its parameters in the message. */
const drizzleWrapped = (cause: unknown) =>
	Object.assign(
		new Error('Failed query: insert into "parties" values ($1)\nparams: dana@example.org'),
		{
			cause
		}
	);

describe('telling a lost connection from a refused statement', () => {
	it('knows a terminated, refused, reset or timed-out connection, however it is wrapped', () => {
		for (const error of [
			serverError('57P01', 'terminating connection due to administrator command'),
			serverError('57P03', 'the database system is starting up'),
			serverError('08006', 'connection failure'),
			Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
			new Error('Connection terminated unexpectedly'),
			new Error('timeout exceeded when trying to connect'),
			new DatabaseUnavailableError(),
			drizzleWrapped(serverError('57P01', 'terminating connection')),
			// better-auth's APIError around Drizzle's around the driver's.
			Object.assign(new Error('Failed to get session'), {
				cause: drizzleWrapped(new Error('Connection terminated unexpectedly'))
			}),
			new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })])
		])
			expect(isConnectionError(error), String(error)).toBe(true);
	});

	it('leaves the statements the database answered with a refusal to their callers', () => {
		for (const error of [
			serverError('23505', 'duplicate key value violates unique constraint "session_events_pkey"'),
			serverError('42601', 'syntax error at or near "selec"'),
			drizzleWrapped(serverError('23503', 'insert or update violates foreign key constraint')),
			new RangeError('batch too large'),
			new Error('Cannot use a pool after calling end on the pool'),
			null,
			'Connection terminated'
		])
			expect(isConnectionError(error), String(error)).toBe(false);
	});

	it('describes a failure by its code and message, never by the statement or its parameters', () => {
		const described = describeDatabaseError(
			drizzleWrapped(serverError('57P01', 'terminating connection due to administrator command'))
		);
		expect(described).toBe('57P01: terminating connection due to administrator command');
		expect(describeDatabaseError(drizzleWrapped(serverError('23505', 'duplicate key')))).toBe(
			'23505: duplicate key'
		);
	});
});
