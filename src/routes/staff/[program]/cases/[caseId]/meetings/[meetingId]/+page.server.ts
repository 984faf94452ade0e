import { error } from '@sveltejs/kit';
import * as m from '#lib/paraglide/messages.js';
import { getDeps } from '#lib/server/deps.ts';
import { runLoad } from '#lib/server/kit/actions.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import { findVisibleMeeting } from '#lib/server/meetings/find-visible-meeting.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor } = await requireStaffContext(event);
	const { meeting, case: caseRow } = await runLoad(() =>
		findVisibleMeeting(getDeps().db, actor, event.params.meetingId)
	);
	if (caseRow.id !== event.params.caseId) error(404, m.error_not_found());
	return {
		meeting: {
			id: meeting.id,
			kind: meeting.kind,
			status: meeting.status,
			scheduledAt: meeting.scheduledAt
		},
		caseReference: caseRow.reference
	};
};
