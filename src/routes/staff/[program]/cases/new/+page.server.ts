import { redirect } from '@sveltejs/kit';
import { createCase } from '#lib/server/cases/create-case.ts';
import { getDeps } from '#lib/server/deps.ts';
import { formValues, refused, runAction } from '#lib/server/kit/actions.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import { assertCan } from '#lib/server/access/staff-access.ts';
import { runLoad } from '#lib/server/kit/actions.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor } = await requireStaffContext(event);
	await runLoad(async () => assertCan(actor, 'manageCases'));
};

export const actions: Actions = {
	default: async (event) => {
		const { actor, program } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		const result = await runAction(() => createCase(getDeps(), actor, program, values), values);
		if (result && 'id' in result) redirect(303, `/staff/${program.slug}/cases/${result.id}`);
		return result;
	}
};
