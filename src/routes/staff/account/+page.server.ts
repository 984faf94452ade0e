import { fail } from '@sveltejs/kit';
import { isAPIError } from 'better-auth/api';
import { renderSVG } from 'uqr';
import { z } from 'zod';
import * as m from '#lib/paraglide/messages.js';
import { AUDIT_ACTIONS, recordAudit } from '#lib/server/audit/record-audit.ts';
import { STAFF_MIN_PASSWORD_LENGTH } from '#lib/server/auth/auth.ts';
import { fieldErrors } from '#lib/server/validation.ts';
import { getDeps } from '#lib/server/deps.ts';
import { readFormOrEmpty } from '#lib/server/forms.ts';
import { forwardAuthCookies } from '#lib/server/kit/auth-cookies.ts';
import { requireStaffUser } from '#lib/server/kit/staff.ts';
import type { Actions, PageServerLoad } from './$types';

const PasswordSchema = z.object({ password: z.string().min(1).max(256) });
const CodeSchema = z.object({
	code: z
		.string()
		.trim()
		.regex(/^\d{6}$/)
});

const NewPasswordSchema = z
	.object({
		currentPassword: z.string().min(1).max(256),
		newPassword: z.string().min(STAFF_MIN_PASSWORD_LENGTH).max(256),
		confirmPassword: z.string()
	})
	.refine((v) => v.newPassword === v.confirmPassword, {
		path: ['confirmPassword'],
		message: 'error_passwords_differ'
	});

export const load: PageServerLoad = (event) => {
	const staff = requireStaffUser(event);
	return { twoFactorEnabled: staff.user.twoFactorEnabled, email: staff.user.email };
};

export const actions: Actions = {
	/** Step 1: the password confirms it is them; a secret is made but not yet in force. */
	startTwoFactor: async (event) => {
		requireStaffUser(event);
		const parsed = PasswordSchema.safeParse({
			password: (await readFormOrEmpty(event.request)).get('password')
		});
		if (!parsed.success) return fail(400, { message: m.account_password_wrong() });
		try {
			const result = await getDeps().auth.api.enableTwoFactor({
				body: { password: parsed.data.password },
				headers: event.request.headers
			});
			if (result.method !== 'totp') throw new Error('TOTP is the only second factor configured');
			return {
				setup: {
					totpURI: result.totpURI,
					secret: new URL(result.totpURI).searchParams.get('secret') ?? '',
					qrSvg: `data:image/svg+xml;base64,${Buffer.from(renderSVG(result.totpURI)).toString('base64')}`,
					backupCodes: result.backupCodes
				}
			};
		} catch (error) {
			if (isAPIError(error)) return fail(400, { message: m.account_password_wrong() });
			throw error;
		}
	},

	/** Step 2: a code from the authenticator app proves it was set up; then it is required. */
	confirmTwoFactor: async (event) => {
		const staff = requireStaffUser(event);
		const parsed = CodeSchema.safeParse({
			code: (await readFormOrEmpty(event.request)).get('code')
		});
		if (!parsed.success) return fail(400, { message: m.two_factor_code_invalid() });
		const { auth, db } = getDeps();
		try {
			// Turning it on renews the session: the new cookie must reach the browser.
			const { headers } = await auth.api.verifyTOTP({
				body: { code: parsed.data.code },
				headers: event.request.headers,
				returnHeaders: true
			});
			forwardAuthCookies(headers, event.cookies);
		} catch (error) {
			if (isAPIError(error)) return fail(400, { message: m.two_factor_code_invalid() });
			throw error;
		}
		await recordAudit(db, {
			programId: null,
			actor: { kind: 'staff', userId: staff.user.id, ip: event.getClientAddress() },
			action: AUDIT_ACTIONS.staffTwoFactorEnabled
		});
		return { enabled: true };
	},

	disableTwoFactor: async (event) => {
		const staff = requireStaffUser(event);
		const parsed = PasswordSchema.safeParse({
			password: (await readFormOrEmpty(event.request)).get('password')
		});
		if (!parsed.success) return fail(400, { message: m.account_password_wrong() });
		const { auth, db } = getDeps();
		try {
			const { headers } = await auth.api.disableTwoFactor({
				body: { password: parsed.data.password },
				headers: event.request.headers,
				returnHeaders: true
			});
			forwardAuthCookies(headers, event.cookies);
		} catch (error) {
			if (isAPIError(error)) return fail(400, { message: m.account_password_wrong() });
			throw error;
		}
		await recordAudit(db, {
			programId: null,
			actor: { kind: 'staff', userId: staff.user.id, ip: event.getClientAddress() },
			action: AUDIT_ACTIONS.staffTwoFactorDisabled
		});
		return { disabled: true };
	},

	/** A temporary password is replaced here; other sessions of the account end. */
	changePassword: async (event) => {
		const staff = requireStaffUser(event);
		const form = await readFormOrEmpty(event.request);
		const parsed = NewPasswordSchema.safeParse(Object.fromEntries(form));
		if (!parsed.success)
			return fail(400, { message: m.error_form_invalid(), errors: fieldErrors(parsed.error) });
		const { auth, db } = getDeps();
		try {
			const { headers } = await auth.api.changePassword({
				body: {
					currentPassword: parsed.data.currentPassword,
					newPassword: parsed.data.newPassword,
					revokeOtherSessions: true
				},
				headers: event.request.headers,
				returnHeaders: true
			});
			forwardAuthCookies(headers, event.cookies);
		} catch (error) {
			if (isAPIError(error))
				return fail(400, {
					message: m.error_form_invalid(),
					errors: { currentPassword: m.account_password_wrong() }
				});
			throw error;
		}
		await recordAudit(db, {
			programId: null,
			actor: { kind: 'staff', userId: staff.user.id, ip: event.getClientAddress() },
			action: AUDIT_ACTIONS.staffPasswordChanged
		});
		return { passwordChanged: true };
	}
};
