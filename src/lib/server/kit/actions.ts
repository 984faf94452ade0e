import { error, fail } from '@sveltejs/kit';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { HTTP_STATUS, isAppError } from '../errors.ts';

export interface FormFailure {
	message: string;
	errors: Record<string, string>;
	/** What the person typed, so that the form is shown again as they left it. */
	values?: unknown;
}

/**
 * Runs a use case from a form action: input errors come back to the form, field by field;
 * other expected failures become an error page with their status; anything else is a bug.
 */
export async function runAction<T>(run: () => Promise<T>, values?: unknown) {
	try {
		return await run();
	} catch (caught) {
		if (!isAppError(caught)) throw caught;
		if (
			caught.fields ||
			caught.code === ERROR_CODES.invalidInput ||
			caught.code === ERROR_CODES.rateLimited
		)
			return fail(HTTP_STATUS[caught.code], {
				message: caught.message,
				errors: caught.fields ?? {},
				values
			} satisfies FormFailure);
		error(HTTP_STATUS[caught.code], caught.message);
	}
}

/** For loads: an expected failure becomes an error page with its status and message. */
export async function runLoad<T>(run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (caught) {
		if (isAppError(caught)) error(HTTP_STATUS[caught.code], caught.message);
		throw caught;
	}
}
