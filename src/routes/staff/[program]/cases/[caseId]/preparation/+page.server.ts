import { CONSENT_TEXTS, CURRENT_CONSENT_VERSION } from '#lib/cases/consent-text.ts';
import { findVisibleCase, can } from '#lib/server/access/staff-access.ts';
import { getDeps } from '#lib/server/deps.ts';
import { formValues, refused, runAction, runLoad } from '#lib/server/kit/actions.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import { getPlanes } from '#lib/server/planes.ts';
import { loadCasePreparation } from '#lib/server/preparation/case-preparation.ts';
import { overrideGate } from '#lib/server/preparation/override-gate.ts';
import { recordConsentByStaff } from '#lib/server/preparation/record-consent.ts';
import { recordMeetingHeld } from '#lib/server/preparation/record-meeting-held.ts';
import { recordScreening } from '#lib/server/preparation/record-screening.ts';
import {
	proposeTimes,
	saveVictimChoicesByStaff
} from '#lib/server/preparation/save-victim-choices.ts';
import { withdrawPartyByStaff } from '#lib/server/preparation/withdraw-from-case.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor } = await requireStaffContext(event);
	const deps = getDeps();
	const caseRow = await runLoad(() => findVisibleCase(deps.db, actor, event.params.caseId));
	const preparation = await loadCasePreparation(deps.db, caseRow.id);
	return {
		case: { id: caseRow.id, reference: caseRow.reference },
		preparation: preparation!,
		consentText: CONSENT_TEXTS[CURRENT_CONSENT_VERSION]!,
		now: deps.clock.now(),
		can: { override: can(actor, 'manageCases') }
	};
};

export const actions: Actions = {
	screening: async (event) => {
		const { actor } = await requireStaffContext(event);
		const input = await formValues(event.request);
		if (refused(input)) return input;
		return runAction(
			() => recordScreening(getDeps(), actor, event.params.caseId, input),
			input
		).then((r) => r ?? { saved: 'screening' as const, partyId: input.partyId });
	},
	consent: async (event) => {
		const { actor } = await requireStaffContext(event);
		const input = await formValues(event.request);
		if (refused(input)) return input;
		return runAction(
			() => recordConsentByStaff(getDeps(), actor, event.params.caseId, input),
			input
		);
	},
	withdraw: async (event) => {
		const { actor } = await requireStaffContext(event);
		const input = await formValues(event.request);
		if (refused(input)) return input;
		return runAction(
			() => withdrawPartyByStaff(getDeps(), getPlanes(), actor, event.params.caseId, input),
			input
		);
	},
	held: async (event) => {
		const { actor } = await requireStaffContext(event);
		const input = await formValues(event.request);
		if (refused(input)) return input;
		return runAction(() => recordMeetingHeld(getDeps(), actor, event.params.caseId, input), input);
	},
	choices: async (event) => {
		const { actor } = await requireStaffContext(event);
		const input = await formValues(event.request);
		if (refused(input)) return input;
		return runAction(
			() =>
				saveVictimChoicesByStaff(
					getDeps(),
					actor,
					event.params.caseId,
					String(input.partyId ?? ''),
					input
				),
			input
		);
	},
	proposeTimes: async (event) => {
		const { actor } = await requireStaffContext(event);
		const input = await formValues(event.request);
		if (refused(input)) return input;
		const times = Array.isArray(input.times) ? input.times.filter(Boolean) : [];
		return runAction(
			() => proposeTimes(getDeps(), actor, event.params.caseId, { ...input, times }),
			input
		);
	},
	override: async (event) => {
		const { actor } = await requireStaffContext(event);
		const input = await formValues(event.request);
		if (refused(input)) return input;
		return runAction(() => overrideGate(getDeps(), actor, event.params.caseId, input), input);
	}
};
