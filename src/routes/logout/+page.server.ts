import { redirect } from '@sveltejs/kit';
import { AUDIT_ACTIONS, recordAudit } from '#lib/server/audit/record-audit.ts';
import { getDeps } from '#lib/server/deps.ts';
import { forwardAuthCookies } from '#lib/server/kit/auth-cookies.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ request, cookies, locals, getClientAddress }) => {
		const { auth, db } = getDeps();
		if (locals.staff) {
			const { headers } = await auth.api.signOut({ headers: request.headers, returnHeaders: true });
			forwardAuthCookies(headers, cookies);
			await recordAudit(db, {
				programId: null,
				actor: { kind: 'staff', userId: locals.staff.user.id, ip: getClientAddress() },
				action: AUDIT_ACTIONS.staffSignedOut
			});
		}
		redirect(303, '/');
	}
};
