import { json, type RequestEvent } from '@sveltejs/kit';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import type { Credentials } from '../agreements/case-viewer.ts';
import { AppError, HTTP_STATUS, isAppError } from '../errors.ts';
import { readBodyText } from './body.ts';

/** Largest JSON body an endpoint reads (a drawn signature is the biggest thing sent). */
export const MAX_JSON_BYTES = 256 * 1024;

/**
 * Deepest nesting of arrays and objects a JSON body may have: every body an endpoint takes is
 * one flat object. Checked before parsing: a quarter megabyte of `[[[[…` costs the parser
 * 30 ms and anything that walks the result its stack.
 */
export const MAX_JSON_DEPTH = 8;

/** Whether no array or object in `text` is nested deeper than `max` (strings skipped). */
export function jsonDepthWithin(text: string, max: number): boolean {
	let depth = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 0x5c)
				i++; // a backslash escapes the next character
			else if (c === 0x22) inString = false;
		} else if (c === 0x22) inString = true;
		else if (c === 0x5b || c === 0x7b) {
			if (++depth > max) return false;
		} else if (c === 0x5d || c === 0x7d) depth--;
	}
	return true;
}

/**
 * Runs a use case behind a JSON endpoint: its result as JSON, an expected failure as
 * `{ error: { code, message, fields } }` with the code's status; anything else is a bug.
 */
export async function runJson(run: () => Promise<unknown>): Promise<Response> {
	try {
		return json((await run()) ?? { ok: true });
	} catch (caught) {
		if (!isAppError(caught)) throw caught;
		return json(
			{ error: { code: caught.code, message: caught.message, fields: caught.fields ?? {} } },
			{ status: HTTP_STATUS[caught.code] }
		);
	}
}

/**
 * The body of a state-changing JSON request. It must say it is JSON — a page of another site
 * cannot send that with our cookies without the browser asking first (CORS), which we never
 * allow — come from our own origin when the browser says where from, and stay small and flat
 * (MAX_JSON_BYTES, MAX_JSON_DEPTH: refused before it is parsed).
 */
export async function readJson(event: Pick<RequestEvent, 'request' | 'url'>): Promise<unknown> {
	const { request, url } = event;
	const invalid = () => new AppError(ERROR_CODES.invalidInput, m.error_invalid());
	const origin = request.headers.get('origin');
	if (origin && origin !== url.origin)
		throw new AppError(ERROR_CODES.forbidden, m.error_forbidden());
	if (!request.headers.get('content-type')?.startsWith('application/json')) throw invalid();
	const text = await readBodyText(request, MAX_JSON_BYTES);
	if (text === null || !jsonDepthWithin(text, MAX_JSON_DEPTH)) throw invalid();
	try {
		return JSON.parse(text);
	} catch {
		throw invalid();
	}
}

/**
 * Who a request speaks for: a party's page names its meeting (`?meeting=`); staff do not. Not
 * where Mend is: addresses written for people come from `deps.publicUrl`, never a request.
 */
export function credentialsOf(
	event: Pick<RequestEvent, 'request' | 'url' | 'getClientAddress'>
): Credentials & { userAgent: string | null } {
	const meeting = event.url.searchParams.get('meeting');
	return {
		cookieHeader: event.request.headers.get('cookie'),
		meetingId: meeting && /^[0-9a-f-]{36}$/.test(meeting) ? meeting : null,
		ip: event.getClientAddress(),
		userAgent: event.request.headers.get('user-agent')
	};
}
