import { fail, redirect, type Cookies } from '@sveltejs/kit';
import { isAPIError } from 'better-auth/api';
import { z } from 'zod';
import * as m from '#lib/paraglide/messages.js';
import { AUDIT_ACTIONS, recordAudit } from '#lib/server/audit/record-audit.ts';
import { getDeps } from '#lib/server/deps.ts';
import {
	KNOWN_BROWSER_PATH,
	KNOWN_BROWSER_TTL_S,
	knownBrowserCookieName,
	knownBrowserId,
	newKnownBrowser
} from '#lib/server/auth/known-browsers.ts';
import { readFormOrEmpty } from '#lib/server/forms.ts';
import { forwardAuthCookies, safeNext } from '#lib/server/kit/auth-cookies.ts';
import { holdAttempt, signInLimits } from '#lib/server/rate-limits.ts';
import type { Actions, PageServerLoad } from './$types';

const SignInSchema = z.object({
	email: z
		.email()
		.max(254)
		.transform((e) => e.toLowerCase()),
	password: z.string().min(1).max(256)
});
const CodeSchema = z.object({
	code: z
		.string()
		.trim()
		.regex(/^\d{6}$/)
});

/** This browser has now signed in to the account: from here on it is limited on its own. */
function rememberBrowser(cookies: Cookies, secure: boolean, email: string) {
	const { authSecret } = getDeps().config;
	const name = knownBrowserCookieName(authSecret, email);
	if (knownBrowserId(authSecret, email, cookies.get(name))) return;
	cookies.set(name, newKnownBrowser(authSecret, email), {
		path: KNOWN_BROWSER_PATH,
		httpOnly: true,
		sameSite: 'lax',
		secure,
		maxAge: KNOWN_BROWSER_TTL_S
	});
}

/** better-auth's answers on the second step that mean the first must be taken again. */
const CHALLENGE_GONE = ['TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE', 'INVALID_TWO_FACTOR_COOKIE'];

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.staff) redirect(303, safeNext(url.searchParams.get('next')));
};

export const actions: Actions = {
	signIn: async ({ request, cookies, url, getClientAddress }) => {
		const form = await readFormOrEmpty(request);
		const parsed = SignInSchema.safeParse({
			email: form.get('email'),
			password: form.get('password')
		});
		const email = String(form.get('email') ?? '');
		if (!parsed.success) return fail(400, { step: 'password', email, message: m.sign_in_failed() });

		const ip = getClientAddress();
		const deps = getDeps();
		const { auth, db, config } = deps;
		const { email: account } = parsed.data;
		const knownBrowser = knownBrowserId(
			config.authSecret,
			account,
			cookies.get(knownBrowserCookieName(config.authSecret, account))
		);
		const attempt = await holdAttempt(
			signInLimits(deps, { email: account, address: ip, knownBrowser })
		);
		if (!attempt.allowed)
			return fail(429, {
				step: 'password',
				email,
				message: m.sign_in_rate_limited({ minutes: Math.ceil(attempt.retryAfterS / 60) })
			});

		try {
			const { headers, response } = await auth.api.signInEmail({
				body: parsed.data,
				headers: request.headers,
				returnHeaders: true
			});
			// The password was right: only failures count (the second step has its own limits).
			await attempt.succeeded();
			forwardAuthCookies(headers, cookies);
			if ('twoFactorRedirect' in response && response.twoFactorRedirect)
				return { step: 'two_factor', email };
			if ('user' in response) {
				rememberBrowser(cookies, url.protocol === 'https:', account);
				await recordAudit(db, {
					programId: null,
					actor: { kind: 'staff', userId: response.user.id, ip },
					action: AUDIT_ACTIONS.staffSignedIn,
					detail: { twoFactor: false }
				});
			}
		} catch (error) {
			if (!isAPIError(error)) throw error;
			await recordAudit(db, {
				programId: null,
				actor: { kind: 'system', ip },
				action: AUDIT_ACTIONS.staffSignInFailed,
				detail: { email: account }
			});
			return fail(400, { step: 'password', email, message: m.sign_in_failed() });
		}
		redirect(303, safeNext(url.searchParams.get('next')));
	},

	verifyCode: async ({ request, cookies, url, getClientAddress }) => {
		const form = await readFormOrEmpty(request);
		const parsed = CodeSchema.safeParse({ code: form.get('code') });
		if (!parsed.success)
			return fail(400, { step: 'two_factor', email: '', message: m.two_factor_code_invalid() });
		const { auth, db } = getDeps();
		try {
			const { headers, response } = await auth.api.verifyTOTP({
				body: { code: parsed.data.code },
				headers: request.headers,
				returnHeaders: true
			});
			forwardAuthCookies(headers, cookies);
			rememberBrowser(cookies, url.protocol === 'https:', response.user.email);
			await recordAudit(db, {
				programId: null,
				actor: { kind: 'staff', userId: response.user.id, ip: getClientAddress() },
				action: AUDIT_ACTIONS.staffSignedIn,
				detail: { twoFactor: true }
			});
		} catch (error) {
			if (!isAPIError(error)) throw error;
			// Reaching this step takes the password: a lock here (better-auth's, 10 wrong codes in a
			// row lock the account's second step for 15 minutes) is one only the password's holder
			// can cause, and each challenge allows 5 codes before the password is asked again.
			if (error.status === 'TOO_MANY_REQUESTS')
				return fail(429, { step: 'two_factor', email: '', message: m.two_factor_locked() });
			if (CHALLENGE_GONE.includes(String(error.body?.code)))
				return fail(400, { step: 'password', email: '', message: m.two_factor_sign_in_again() });
			return fail(400, { step: 'two_factor', email: '', message: m.two_factor_code_invalid() });
		}
		redirect(303, safeNext(url.searchParams.get('next')));
	}
};
