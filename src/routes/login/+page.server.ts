import { fail, redirect } from '@sveltejs/kit';
import { isAPIError } from 'better-auth/api';
import { z } from 'zod';
import * as m from '#lib/paraglide/messages.js';
import { AUDIT_ACTIONS, recordAudit } from '#lib/server/audit/record-audit.ts';
import { getDeps } from '#lib/server/deps.ts';
import { readFormOrEmpty } from '#lib/server/forms.ts';
import { forwardAuthCookies, safeNext } from '#lib/server/kit/auth-cookies.ts';
import { signInByAddress, signInByEmail, takeAttempt } from '#lib/server/rate-limits.ts';
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
		const attempt = await takeAttempt([
			[signInByEmail, parsed.data.email],
			[signInByAddress, ip]
		]);
		if (!attempt.allowed)
			return fail(429, {
				step: 'password',
				email,
				message: m.sign_in_rate_limited({ minutes: Math.ceil(attempt.retryAfterS / 60) })
			});

		const { auth, db } = getDeps();
		try {
			const { headers, response } = await auth.api.signInEmail({
				body: parsed.data,
				headers: request.headers,
				returnHeaders: true
			});
			forwardAuthCookies(headers, cookies);
			if ('twoFactorRedirect' in response && response.twoFactorRedirect)
				return { step: 'two_factor', email };
			if ('user' in response)
				await recordAudit(db, {
					programId: null,
					actor: { kind: 'staff', userId: response.user.id, ip },
					action: AUDIT_ACTIONS.staffSignedIn,
					detail: { twoFactor: false }
				});
		} catch (error) {
			if (!isAPIError(error)) throw error;
			await recordAudit(db, {
				programId: null,
				actor: { kind: 'system', ip },
				action: AUDIT_ACTIONS.staffSignInFailed,
				detail: { email: parsed.data.email }
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
			await recordAudit(db, {
				programId: null,
				actor: { kind: 'staff', userId: response.user.id, ip: getClientAddress() },
				action: AUDIT_ACTIONS.staffSignedIn,
				detail: { twoFactor: true }
			});
		} catch (error) {
			if (!isAPIError(error)) throw error;
			return fail(400, { step: 'two_factor', email: '', message: m.two_factor_code_invalid() });
		}
		redirect(303, safeNext(url.searchParams.get('next')));
	}
};
