import type { Handle, HandleServerError } from '@sveltejs/kit/hooks';
import { sequence } from '@sveltejs/kit/hooks';
import { getTextDirection } from '#lib/paraglide/runtime.js';
import { paraglideMiddleware } from '#lib/paraglide/server.js';
import * as m from '#lib/paraglide/messages.js';
import { describeDatabaseError, isConnectionError } from '#lib/server/db/connection-errors.ts';
import { getDeps } from '#lib/server/deps.ts';
import { describeError } from '#lib/server/log.ts';
import { completeContentSecurityPolicy } from '#lib/server/kit/content-security-policy.ts';

const SESSION_COOKIE = 'mend.session_token';

const securityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	// Invitation links carry their token in the path: it must never leave in a Referer.
	response.headers.set('referrer-policy', 'no-referrer');
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('x-frame-options', 'DENY');
	response.headers.set('permissions-policy', 'camera=(self), microphone=(self), geolocation=()');
	// Everything SvelteKit answers is about a person (pages, their data, form answers, JSON,
	// PDFs, exports): never kept by a browser or a proxy, so it is not shown again from a
	// shared computer's cache or history after sign-out. The build's own files are not
	// answered here (adapter-node serves them first) and keep their long caching.
	response.headers.set('cache-control', 'no-store');
	const csp = response.headers.get('content-security-policy');
	if (csp) {
		const { media } = getDeps().config;
		response.headers.set(
			'content-security-policy',
			completeContentSecurityPolicy(csp, {
				origin: event.url.origin,
				livekitUrl: media.kind === 'livekit' ? media.url : null
			})
		);
	}
	return response;
};

const i18n: Handle = ({ event, resolve }) =>
	paraglideMiddleware(event.request, ({ request, locale }) =>
		resolve(
			{ ...event, request },
			{
				transformPageChunk: ({ html }) =>
					html
						.replace('%paraglide.lang%', locale)
						.replace('%paraglide.dir%', getTextDirection(locale))
			}
		)
	);

const staffSession: Handle = async ({ event, resolve }) => {
	event.locals.staff = null;
	if (event.cookies.getAll().some((c) => c.name.endsWith(SESSION_COOKIE))) {
		const session = await getDeps().auth.api.getSession({ headers: event.request.headers });
		if (session)
			event.locals.staff = {
				user: {
					id: session.user.id,
					name: session.user.name,
					email: session.user.email,
					twoFactorEnabled: Boolean(session.user.twoFactorEnabled)
				},
				sessionId: session.session.id
			};
	}
	return resolve(event);
};

export const handle: Handle = sequence(securityHeaders, i18n, staffSession);

/**
 * Unexpected errors are logged in full and shown as one generic sentence: nothing leaks. A
 * database that does not answer is no bug: 503 and a sentence saying to try again (the log
 * says once when the database was lost and when it is back, not once per request).
 */
export const handleError: HandleServerError = (caught) => {
	if (caught.kind === 'unknown' && isConnectionError(caught.error)) {
		try {
			getDeps().log.debug('database unavailable: answered 503', {
				path: caught.event.url.pathname,
				error: describeDatabaseError(caught.error)
			});
		} catch {
			// Not started: nothing to log to.
		}
		return { status: 503, message: m.error_database_unavailable() };
	}
	if (caught.kind === 'unknown') {
		try {
			getDeps().log.error('unhandled error', {
				path: caught.event.url.pathname,
				error: caught.error
			});
		} catch {
			console.error(describeError(caught.error));
		}
		return { message: m.error_unexpected() };
	}
	if (caught.kind === 'framework' && caught.error.status === 404)
		return { message: m.error_not_found() };
};
