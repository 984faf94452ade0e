import { error, fail, isActionFailure, type ActionFailure } from '@sveltejs/kit';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { HTTP_STATUS, isAppError } from '../errors.ts';
import { formToObject, readForm } from '../forms.ts';

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

export type FormRead = Record<string, unknown> | ActionFailure<FormFailure>;

/**
 * A form post's fields, nested by name (`formToObject`), or — when the post is beyond
 * FORM_LIMITS — the 400 to answer with the form's message, before anything else runs:
 * `const values = await formValues(event.request); if (refused(values)) return values;`
 */
export async function formValues(request: Request): Promise<FormRead> {
	try {
		return formToObject(await readForm(request));
	} catch (caught) {
		if (!isAppError(caught)) throw caught;
		return fail(HTTP_STATUS[caught.code], { message: caught.message, errors: {} });
	}
}

export const refused = (read: FormRead): read is ActionFailure<FormFailure> =>
	isActionFailure(read);

/** For loads: an expected failure becomes an error page with its status and message. */
export async function runLoad<T>(run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (caught) {
		if (isAppError(caught)) error(HTTP_STATUS[caught.code], caught.message);
		throw caught;
	}
}
