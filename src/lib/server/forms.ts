import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { AppError, isAppError } from './errors.ts';

/**
 * What one form post may hold, in one place. Each bound is well above what Mend's own forms
 * send — the largest, a case with its 16 parties, sends about 120 fields, the longest named
 * `parties.15.accompanies`; the longest text any form takes is a case's 4,000-character
 * description; the longest list is those 16 parties — and far below what would cost the
 * server anything. A post beyond any of them is refused as a whole before it is parsed or
 * nested, and nothing runs.
 */
export const FORM_LIMITS = {
	/** Fields in one post, a file counting as one (counted before the body is parsed). */
	fields: 256,
	/** Characters of a field's name. */
	nameLength: 100,
	/** Characters of one text field's value. */
	valueLength: 10_000,
	/** Dotted segments of a name: `parties.0.role` has three. */
	depth: 4,
	/**
	 * Items of one list. An index must also be below the number of fields in the post, so a
	 * list is never longer than the form that made it: `times.100000000` made a sparse array of
	 * a hundred million places, which every later step walked (seconds of a stalled server).
	 */
	listItems: 64
} as const;

const refused = () => new AppError(ERROR_CODES.invalidInput, m.error_form_refused());

const URLENCODED = 'application/x-www-form-urlencoded';
const MULTIPART = 'multipart/form-data';

/** How many times `needle` occurs in `haystack`, counting no further than `atMost + 1`. */
function occurrences(haystack: Buffer, needle: string, atMost: number): number {
	let count = 0;
	for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1))
		if (++count > atMost) break;
	return count;
}

/** The multipart boundary a Content-Type names, as RFC 2046 allows it (1–70 characters). */
function boundaryOf(contentType: string): string | null {
	const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
	return match ? (match[1] ?? match[2] ?? null) : null;
}

/**
 * The fields of a form post, read within FORM_LIMITS. The fields are counted in the raw body
 * before anything parses it: parsing is what costs (half a megabyte of `a&a&…` kept the
 * server from everyone else for 1.5 s). Names, values and files are checked after. `files`
 * names the fields that may carry a file; other forms take none. Throws `invalid_input`
 * (the form's message, AppError) when the post is refused; reading the body may fail as
 * the adapter decides (too large: 413).
 */
export async function readForm(
	request: Request,
	accept: { files?: readonly string[] } = {}
): Promise<FormData> {
	const contentType = request.headers.get('content-type') ?? '';
	const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
	if (mediaType !== URLENCODED && mediaType !== MULTIPART) throw refused();
	const body = Buffer.from(await request.arrayBuffer());
	if (mediaType === URLENCODED) {
		if (occurrences(body, '&', FORM_LIMITS.fields) >= FORM_LIMITS.fields) throw refused();
	} else {
		const boundary = boundaryOf(contentType);
		// Each part opens with its delimiter, and the last delimiter closes the body.
		if (
			!boundary ||
			occurrences(body, `--${boundary}`, FORM_LIMITS.fields + 1) > FORM_LIMITS.fields + 1
		)
			throw refused();
	}
	let form: FormData;
	try {
		form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
	} catch {
		throw refused();
	}
	let count = 0;
	for (const [name, value] of form.entries()) {
		if (++count > FORM_LIMITS.fields || name.length > FORM_LIMITS.nameLength) throw refused();
		if (
			typeof value === 'string'
				? value.length > FORM_LIMITS.valueLength
				: !accept.files?.includes(name)
		)
			throw refused();
	}
	return form;
}

/**
 * `readForm` for a form whose fields are all required (signing in, a code): a refused post
 * reads as an empty form, which it refuses as incomplete with its usual message.
 */
export function readFormOrEmpty(request: Request): Promise<FormData> {
	return readForm(request).catch((error: unknown) => {
		if (isAppError(error)) return new FormData();
		throw error;
	});
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const NUMERIC = /^\d+$/;
const INDEX = /^(?:0|[1-9]\d{0,5})$/;

type Container = Record<string, unknown> | unknown[];

const isContainer = (value: unknown): value is Container =>
	typeof value === 'object' && value !== null;

/**
 * Turns form fields named with dotted paths (`parties.1.email`) into nested objects and arrays,
 * so that one schema validates a whole form. Empty text fields become `undefined`. Refused
 * (`invalid_input`) beyond FORM_LIMITS, and for names no form of Mend makes: an empty or
 * unsafe segment, a list index that is not one (`01`) or too large, a numeric name for an
 * object's member, or one name both a value and a group (`a` and `a.b`).
 */
export function formToObject(form: FormData): Record<string, unknown> {
	const entries = [...form.entries()];
	if (entries.length > FORM_LIMITS.fields) throw refused();
	const listItems = Math.min(FORM_LIMITS.listItems, entries.length);
	const root: Record<string, unknown> = {};
	for (const [name, raw] of entries) {
		if (typeof raw !== 'string' || raw.length > FORM_LIMITS.valueLength) throw refused();
		if (name.length > FORM_LIMITS.nameLength) throw refused();
		const keys = name.split('.');
		if (keys.length > FORM_LIMITS.depth) throw refused();
		let node: Container = root;
		for (const [i, key] of keys.entries()) {
			if (key === '' || UNSAFE_KEYS.has(key)) throw refused();
			// A list takes only its indices; an object never a number.
			if (Array.isArray(node) ? !INDEX.test(key) || Number(key) >= listItems : NUMERIC.test(key))
				throw refused();
			const slot = node as Record<string, unknown>;
			const present = Object.hasOwn(slot, key);
			if (i === keys.length - 1) {
				if (present && isContainer(slot[key])) throw refused();
				slot[key] = raw === '' ? undefined : raw;
				continue;
			}
			if (!present) slot[key] = NUMERIC.test(keys[i + 1]!) ? [] : {};
			const next = slot[key];
			if (!isContainer(next)) throw refused();
			node = next;
		}
	}
	return root;
}
