import type { z } from 'zod';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { AppError } from './errors.ts';

type MessageFn = (inputs?: Record<string, unknown>) => string;
const messages = m as unknown as Record<string, MessageFn | undefined>;

/**
 * A person-readable message for one schema issue, in the request's language. Schemas name a
 * message key (`error_…`) for their own rules; the generic rules map by issue code.
 */
export function issueMessage(issue: z.core.$ZodIssue): string {
	const own = messages[issue.message];
	if (issue.message.startsWith('error_') && own) return own();
	switch (issue.code) {
		case 'invalid_type':
			return issue.input === undefined || issue.input === null
				? m.error_required()
				: m.error_invalid();
		case 'too_small':
			if (issue.origin === 'string')
				return Number(issue.minimum) <= 1
					? m.error_required()
					: m.error_too_short({ min: Number(issue.minimum) });
			if (issue.origin === 'array') return m.error_too_few({ min: Number(issue.minimum) });
			return m.error_number_min({ min: Number(issue.minimum) });
		case 'too_big':
			if (issue.origin === 'string') return m.error_too_long({ max: Number(issue.maximum) });
			if (issue.origin === 'array') return m.error_too_many({ max: Number(issue.maximum) });
			return m.error_number_max({ max: Number(issue.maximum) });
		case 'invalid_format':
			return issue.format === 'email' ? m.error_email() : m.error_invalid();
		case 'invalid_value':
			return m.error_choose_option();
		default:
			return m.error_invalid();
	}
}

/** The first message per field path (`parties.0.email`); the form root is the empty path ''. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const issue of error.issues) {
		const key = issue.path.join('.');
		fields[key] ??= issueMessage(issue);
	}
	return fields;
}

/** Parses or throws `invalid_input` with field-level messages; nothing has been changed yet. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
	const parsed = schema.safeParse(input);
	if (parsed.success) return parsed.data;
	throw new AppError(ERROR_CODES.invalidInput, m.error_form_invalid(), fieldErrors(parsed.error));
}
