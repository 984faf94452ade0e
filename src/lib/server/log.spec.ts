import { DrizzleQueryError } from 'drizzle-orm/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, describeError } from './log.ts';

/** A PostgreSQL error as node-postgres makes it: a code and the fields the server sends. */
function postgresError(message: string, fields: Record<string, string>): Error {
	return Object.assign(new Error(message), { name: 'error', ...fields });
}

const EMAIL = 'maria.lopez@example.org';

describe('describeError', () => {
	it("never writes a failed statement's parameters, which hold people's details", () => {
		const cause = postgresError('duplicate key value violates unique constraint "user_email_key"', {
			code: '23505',
			table: 'user',
			constraint: 'user_email_key',
			detail: `Key (email)=(${EMAIL}) already exists.`
		});
		const failed = new DrizzleQueryError(
			'insert into "user" ("name", "email") values ($1, $2)',
			['Maria Lopez', EMAIL],
			cause
		);
		const text = describeError(failed);
		expect(text).not.toContain(EMAIL);
		expect(text).not.toContain('Maria Lopez');
		expect(text).toContain('Failed query: insert into "user" ("name", "email") values ($1, $2)');
		expect(text).toContain('[23505]');
		expect(text).toContain('constraint=user_email_key');
	});

	it('blanks the values PostgreSQL quotes in its own messages', () => {
		const text = describeError(
			postgresError('invalid input syntax for type uuid: "Maria Lopez"', { code: '22P02' })
		);
		expect(text.split('\n')[0]).toBe('error[22P02]: invalid input syntax for type uuid: "…"');
	});

	it('keeps where an error was thrown, without its message again', () => {
		const text = describeError(new TypeError('cannot read x'));
		expect(text.split('\n')[0]).toBe('TypeError: cannot read x');
		expect(text).toMatch(/\n {2}at .*log\.spec\.ts/);
	});
});

describe('the logger', () => {
	afterEach(() => vi.restoreAllMocks());

	it('writes an error passed as a detail as describeError says', () => {
		const lines: string[] = [];
		vi.spyOn(console, 'error').mockImplementation((line: string) => lines.push(line));
		const failed = new DrizzleQueryError('select 1 where $1', [EMAIL], new Error('boom'));
		createLogger('info').error('command failed', { error: failed, meeting: 'm1' });
		expect(lines).toHaveLength(1);
		expect(lines[0]).not.toContain(EMAIL);
		expect(lines[0]).toContain('Failed query: select 1 where $1');
		expect(lines[0]).toContain('"meeting":"m1"');
	});
});
