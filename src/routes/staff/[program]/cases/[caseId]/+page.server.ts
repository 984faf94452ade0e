import { desc, eq } from 'drizzle-orm';
import { MEETING_KINDS } from '#lib/cases/vocabulary.ts';
import { loadCasePreparation } from '#lib/server/preparation/case-preparation.ts';
import { agreements } from '#lib/server/db/schema.ts';
import { getCase } from '#lib/server/cases/get-case.ts';
import { assignMediator } from '#lib/server/cases/assign-mediator.ts';
import { getDeps } from '#lib/server/deps.ts';
import { issueInvitation } from '#lib/server/invitations/issue-invitation.ts';
import { revokeInvitation } from '#lib/server/invitations/revoke-invitation.ts';
import { formValues, refused, runAction, runLoad } from '#lib/server/kit/actions.ts';
import { getPlanes } from '#lib/server/planes.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import { cancelMeeting } from '#lib/server/meetings/cancel-meeting.ts';
import { createMeeting } from '#lib/server/meetings/create-meeting.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor } = await requireStaffContext(event);
	const detail = await runLoad(() => getCase(getDeps(), actor, event.params.caseId));
	const partyById = new Map(detail.parties.map((p) => [p.id, p]));
	const preparation = await loadCasePreparation(getDeps().db, detail.case.id);
	return {
		...detail,
		gate: {
			open: preparation?.gate.open ?? false,
			mayStartJoint: preparation?.mayStartJoint ?? false,
			gaps: preparation?.gate.gaps ?? []
		},
		agreements: await getDeps()
			.db.select({
				id: agreements.id,
				version: agreements.version,
				status: agreements.status,
				executedAt: agreements.executedAt
			})
			.from(agreements)
			.where(eq(agreements.caseId, detail.case.id))
			.orderBy(desc(agreements.version)),
		meetings: detail.meetings.map((meeting) => ({
			...meeting,
			// Who may be invited: anyone to the joint session; the party and their companions to
			// their own preparation meeting. The server checks this again on submit.
			invitable: detail.parties.filter(
				(p) =>
					meeting.kind === MEETING_KINDS.joint ||
					p.id === meeting.partyId ||
					p.accompaniesPartyId === meeting.partyId
			),
			partyName: meeting.partyId ? (partyById.get(meeting.partyId)?.displayName ?? null) : null
		}))
	};
};

export const actions: Actions = {
	assignMediator: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		return runAction(() => assignMediator(getDeps(), actor, event.params.caseId, values), values);
	},

	createMeeting: async (event) => {
		const { actor, program } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		const result = await runAction(
			() => createMeeting(getDeps(), actor, program, event.params.caseId, values),
			values
		);
		return result && 'id' in result ? { meetingCreated: result.id } : result;
	},

	cancelMeeting: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		return runAction(() => cancelMeeting(getDeps(), actor, String(values.meetingId ?? '')));
	},

	issueInvitation: async (event) => {
		const { actor } = await requireStaffContext(event);
		const form = await formValues(event.request);
		if (refused(form)) return form;
		const meetingId = String(form.meetingId ?? '');
		const result = await runAction(
			() => issueInvitation(getDeps(), actor, meetingId, form, { planes: getPlanes() }),
			form
		);
		if (!result || !('token' in result)) return result;
		return {
			issued: {
				meetingId,
				partyId: String(form.partyId),
				url: result.url,
				accessCode: result.accessCode,
				expiresAt: result.expiresAt
			}
		};
	},

	revokeInvitation: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		return runAction(() =>
			revokeInvitation(getDeps(), getPlanes(), actor, String(values.invitationId ?? ''))
		);
	}
};
