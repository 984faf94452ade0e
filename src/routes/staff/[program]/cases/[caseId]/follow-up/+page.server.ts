import { getDeps } from '#lib/server/deps.ts';
import { closeCase } from '#lib/server/follow-up/close-case.ts';
import {
	issueSurveyLink,
	recordCheckIn,
	recordReoffending
} from '#lib/server/follow-up/follow-up-results.ts';
import { getFollowUp } from '#lib/server/follow-up/get-follow-up.ts';
import { recordPlanProgress, removePlanRecord } from '#lib/server/follow-up/plan-records.ts';
import { formValues, refused, runAction, runLoad } from '#lib/server/kit/actions.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor, program } = await requireStaffContext(event);
	return runLoad(() => getFollowUp(getDeps(), actor, program, event.params.caseId));
};

export const actions: Actions = {
	record: async (event) => {
		const { actor, program } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		const result = await runAction(
			() => recordPlanProgress(getDeps(), actor, program, event.params.caseId, values),
			values
		);
		return result && 'id' in result ? { recorded: result.id } : result;
	},

	removeRecord: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		return runAction(() =>
			removePlanRecord(getDeps(), actor, event.params.caseId, String(values.recordId ?? ''))
		);
	},

	checkIn: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		return runAction(() => recordCheckIn(getDeps(), actor, event.params.caseId, values), values);
	},

	reoffending: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		return runAction(
			() => recordReoffending(getDeps(), actor, event.params.caseId, values),
			values
		);
	},

	surveyLink: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		const result = await runAction(() =>
			issueSurveyLink(getDeps(), actor, event.params.caseId, String(values.followUpId ?? ''))
		);
		if (!result || !('url' in result)) return result;
		return {
			surveyLink: {
				followUpId: result.followUpId,
				url: result.url,
				sent: result.sent?.queued ? result.sent.status : (result.sent?.reason ?? 'no_contact')
			}
		};
	},

	close: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		return runAction(() => closeCase(getDeps(), actor, event.params.caseId, values), values);
	}
};
