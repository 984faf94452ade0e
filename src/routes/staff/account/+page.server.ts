import { fail } from '@sveltejs/kit';
import { APIError } from 'better-auth/api';
import { renderSVG } from 'uqr';
import { z } from 'zod';
import * as m from '#lib/paraglide/messages.js';
import { AUDIT_ACTIONS, recordAudit } from '#lib/server/audit/record-audit.ts';
import { getDeps } from '#lib/server/deps.ts';
import { requireStaffUser } from '#lib/server/kit/staff.ts';
import type { Actions, PageServerLoad } from './$types';

const PasswordSchema = z.object({ password: z.string().min(1).max(256) });
const CodeSchema = z.object({ code: z.string().trim().regex(/^\d{6}$/) });

export const load: PageServerLoad = (event) => {
	const staff = requireStaffUser(event);
	return { twoFactorEnabled: staff.user.twoFactorEnabled, email: staff.user.email };
};

export const actions: Actions = {
	/** Step 1: the password confirms it is them; a secret is made but not yet in force. */
	startTwoFactor: async (event) => {
		requireStaffUser(event);
		const parsed = PasswordSchema.safeParse({ password: (await event.request.formData()).get('password') });
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
					qrSvg: renderSVG(result.totpURI),
					backupCodes: result.backupCodes
				}
			};
		} catch (error) {
			if (error instanceof APIError) return fail(400, { message: m.account_password_wrong() });
			throw error;
		}
	},

	/** Step 2: a code from the authenticator app proves it was set up; then it is required. */
	confirmTwoFactor: async (event) => {
		const staff = requireStaffUser(event);
		const parsed = CodeSchema.safeParse({ code: (await event.request.formData()).get('code') });
		if (!parsed.success) return fail(400, { message: m.two_factor_code_invalid() });
		const { auth, db } = getDeps();
		try {
			await auth.api.verifyTOTP({ body: { code: parsed.data.code }, headers: event.request.headers });
		} catch (error) {
			if (error instanceof APIError) return fail(400, { message: m.two_factor_code_invalid() });
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
		const parsed = PasswordSchema.safeParse({ password: (await event.request.formData()).get('password') });
		if (!parsed.success) return fail(400, { message: m.account_password_wrong() });
		const { auth, db } = getDeps();
		try {
			await auth.api.disableTwoFactor({
				body: { password: parsed.data.password },
				headers: event.request.headers
			});
		} catch (error) {
			if (error instanceof APIError) return fail(400, { message: m.account_password_wrong() });
			throw error;
		}
		await recordAudit(db, {
			programId: null,
			actor: { kind: 'staff', userId: staff.user.id, ip: event.getClientAddress() },
			action: AUDIT_ACTIONS.staffTwoFactorDisabled
		});
		return { disabled: true };
	}
};
