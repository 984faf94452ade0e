import { assertCan } from '#lib/server/access/staff-access.ts';
import { getDeps } from '#lib/server/deps.ts';
import { formValues, refused, runAction, runLoad } from '#lib/server/kit/actions.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import { inviteColleague } from '#lib/server/staff/invite-colleague.ts';
import { pendingInvitationsOfProgram } from '#lib/server/staff/list-staff-invitations.ts';
import { listStaff } from '#lib/server/staff/list-staff.ts';
import { revokeStaffInvitation } from '#lib/server/staff/revoke-staff-invitation.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor } = await requireStaffContext(event);
	await runLoad(async () => assertCan(actor, 'manageStaff'));
	const { db, clock } = getDeps();
	return {
		staff: await listStaff(db, actor.programId),
		invitations: await pendingInvitationsOfProgram(db, actor.programId, clock.now())
	};
};

export const actions: Actions = {
	/** Sends an invitation; the answer is the same whether or not the address has an account. */
	add: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		const result = await runAction(() => inviteColleague(getDeps(), actor, values), values);
		if (!result || !('invitationId' in result)) return result;
		return { invited: { email: result.email } };
	},
	revoke: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		const id = String(values.invitationId ?? '');
		const result = await runAction(() => revokeStaffInvitation(getDeps(), actor, id));
		return result ?? { revoked: true };
	}
};
