import { redirect } from '@sveltejs/kit';
import { minorToInput } from '#lib/money.ts';
import { assertCan } from '#lib/server/access/staff-access.ts';
import { getCase } from '#lib/server/cases/get-case.ts';
import { updateCase } from '#lib/server/cases/update-case.ts';
import { getDeps } from '#lib/server/deps.ts';
import { formValues, refused, runAction, runLoad } from '#lib/server/kit/actions.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor } = await requireStaffContext(event);
	const detail = await runLoad(async () => {
		assertCan(actor, 'manageCases');
		return getCase(getDeps(), actor, event.params.caseId);
	});
	const index = new Map(detail.parties.map((p, i) => [p.id, i]));
	const c = detail.case;
	return {
		reference: c.reference,
		values: {
			referralSource: c.referralSource,
			referralStage: c.referralStage,
			offenseCategory: c.offenseCategory,
			description: c.description,
			offenderIsJuvenile: c.offenderIsJuvenile,
			lossesClaimed: minorToInput(c.lossesClaimedMinor),
			parties: detail.parties.map((p) => ({
				id: p.id,
				role: p.role,
				displayName: p.displayName,
				email: p.email ?? '',
				phone: p.phone ?? '',
				address: p.address ?? '',
				accompanies: p.accompaniesPartyId ? String(index.get(p.accompaniesPartyId) ?? '') : ''
			}))
		}
	};
};

export const actions: Actions = {
	default: async (event) => {
		const { actor, program } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		const result = await runAction(
			() => updateCase(getDeps(), actor, event.params.caseId, values),
			values
		);
		if (result) return result;
		redirect(303, `/staff/${program.slug}/cases/${event.params.caseId}`);
	}
};
