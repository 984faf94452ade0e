import { redirect } from '@sveltejs/kit';
import { AUDIT_ACTIONS, recordAudit } from '#lib/server/audit/record-audit.ts';
import { getDeps } from '#lib/server/deps.ts';
import { formValues, refused, runAction } from '#lib/server/kit/actions.ts';
import { forwardAuthCookies } from '#lib/server/kit/auth-cookies.ts';
import { requireStaffUser } from '#lib/server/kit/staff.ts';
import {
	answerStaffInvitation,
	declineStaffInvitationByLink
} from '#lib/server/staff/answer-staff-invitation.ts';
import { joinWithNewAccount } from '#lib/server/staff/join-with-new-account.ts';
import { openStaffInvitation } from '#lib/server/staff/list-staff-invitations.ts';
import type { Actions, PageServerLoad } from './$types';

/**
 * The link of an invitation to a program's staff. It shows the same page to everyone who opens
 * it, whether or not its address has an account; accepting takes that account's sign-in, or —
 * for an address new to Mend — making the account here.
 */
export const load: PageServerLoad = async ({ params, locals }) => ({
	page: await openStaffInvitation(getDeps(), params.token, locals.staff?.user ?? null)
});

export const actions: Actions = {
	/** The signed-in owner of the invited address joins. */
	accept: async (event) => {
		const staff = requireStaffUser(event);
		const result = await runAction(() =>
			answerStaffInvitation(
				getDeps(),
				{ id: staff.user.id, email: staff.user.email, ip: event.getClientAddress() },
				{ token: event.params.token },
				'accept'
			)
		);
		if (!result || !('programSlug' in result)) return result;
		redirect(303, `/staff/${result.programSlug}`);
	},

	/** Whoever holds the link may decline; the invited account, signed in, declines as itself. */
	decline: async (event) => {
		const staff = event.locals.staff;
		const ip = event.getClientAddress();
		const result = await runAction(async () => {
			const page = await openStaffInvitation(getDeps(), event.params.token, staff?.user ?? null);
			if (page.kind === 'open' && page.signedIn?.isInvitee && staff)
				await answerStaffInvitation(
					getDeps(),
					{ id: staff.user.id, email: staff.user.email, ip },
					{ token: event.params.token },
					'decline'
				);
			else await declineStaffInvitationByLink(getDeps(), event.params.token, ip);
			return { declined: true as const };
		});
		return result;
	},

	/** Someone new to Mend makes their account with the invited address, and is signed in. */
	create: async (event) => {
		const values = await formValues(event.request);
		if (refused(values)) return values;
		const ip = event.getClientAddress();
		const result = await runAction(
			() => joinWithNewAccount(getDeps(), event.params.token, values, ip),
			{ name: values.name }
		);
		if (!result || !('programSlug' in result)) return result;
		const { auth, db } = getDeps();
		const { headers, response } = await auth.api.signInEmail({
			// The password the person just chose (checked by joinWithNewAccount's schema).
			body: { email: result.email, password: String(values.password) },
			headers: event.request.headers,
			returnHeaders: true
		});
		forwardAuthCookies(headers, event.cookies);
		if ('user' in response)
			await recordAudit(db, {
				programId: null,
				actor: { kind: 'staff', userId: response.user.id, ip },
				action: AUDIT_ACTIONS.staffSignedIn,
				detail: { twoFactor: false }
			});
		redirect(303, `/staff/${result.programSlug}`);
	}
};
