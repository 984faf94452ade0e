import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { viewerOfCase } from '#lib/server/agreements/case-viewer.ts';
import { agreementOfMeeting } from '#lib/server/agreements/ensure-agreement.ts';
import { isUuid } from '#lib/server/access/staff-access.ts';
import { notesSideOf } from '#lib/server/collab/notes-side.ts';
import { meetings } from '#lib/server/db/schema.ts';
import { getDeps } from '#lib/server/deps.ts';
import { AppError } from '#lib/server/errors.ts';
import { credentialsOf, runJson } from '#lib/server/kit/json.ts';
import { eq } from 'drizzle-orm';
import type { RequestHandler } from './$types';

/** Which agreement a meeting's people work on (null before the drafting step first opens). */
export const GET: RequestHandler = (event) =>
	runJson(async () => {
		const deps = getDeps();
		const { meetingId } = event.params;
		const notFound = new AppError(ERROR_CODES.notFound, m.error_not_found());
		if (!isUuid(meetingId)) throw notFound;
		const [meeting] = await deps.db
			.select({ caseId: meetings.caseId })
			.from(meetings)
			.where(eq(meetings.id, meetingId));
		if (!meeting) throw notFound;
		const viewer = await viewerOfCase(deps, credentialsOf(event), meeting.caseId);
		if (!viewer) throw notFound;
		return {
			agreementId: await agreementOfMeeting(deps.db, { meetingId, caseId: meeting.caseId }),
			caseId: meeting.caseId,
			notesPartyId: viewer.kind === 'party' ? await notesSideOf(deps.db, viewer.partyId) : null
		};
	});
