import { redirect } from '@sveltejs/kit';
import { listProgramsOf } from '#lib/server/access/staff-access.ts';
import { getDeps } from '#lib/server/deps.ts';
import { formValues, refused, runAction } from '#lib/server/kit/actions.ts';
import { requireStaffUser } from '#lib/server/kit/staff.ts';
import {
	answerStaffInvitation,
	type StaffAnswer
} from '#lib/server/staff/answer-staff-invitation.ts';
import { pendingInvitationsFor } from '#lib/server/staff/list-staff-invitations.ts';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async (event) => {
	const staff = requireStaffUser(event);
	const { db, clock } = getDeps();
	const programs = await listProgramsOf(db, staff.user.id);
	const invitations = await pendingInvitationsFor(db, staff.user.email, clock.now());
	// Straight into one's only program, unless an invitation waits for an answer here.
	if (programs.length === 1 && invitations.length === 0)
		redirect(303, `/staff/${programs[0].slug}`);
	return { programs, invitations };
};

/** The signed-in account answers an invitation addressed to it (and to nobody else). */
async function answer(event: RequestEvent, choice: StaffAnswer) {
	const staff = requireStaffUser(event);
	const values = await formValues(event.request);
	if (refused(values)) return values;
	const invitationId = String(values.invitationId ?? '');
	const result = await runAction(() =>
		answerStaffInvitation(
			getDeps(),
			{ id: staff.user.id, email: staff.user.email, ip: event.getClientAddress() },
			{ invitationId },
			choice
		)
	);
	if (!result || !('programSlug' in result)) return result;
	if (choice === 'accept') redirect(303, `/staff/${result.programSlug}`);
	return { declined: true };
}

export const actions: Actions = {
	accept: (event) => answer(event, 'accept'),
	decline: (event) => answer(event, 'decline')
};
