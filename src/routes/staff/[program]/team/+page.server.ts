import { assertCan } from '#lib/server/access/staff-access.ts';
import { getDeps } from '#lib/server/deps.ts';
import { formValues, refused, runAction, runLoad } from '#lib/server/kit/actions.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import { addStaffMember } from '#lib/server/staff/create-staff-account.ts';
import { listStaff } from '#lib/server/staff/list-staff.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor } = await requireStaffContext(event);
	await runLoad(async () => assertCan(actor, 'manageStaff'));
	return { staff: await listStaff(getDeps().db, actor.programId) };
};

export const actions: Actions = {
	add: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		const result = await runAction(() => addStaffMember(getDeps(), actor, values), values);
		if (!result || !('userId' in result)) return result;
		return { added: { email: String(values.email), temporaryPassword: result.temporaryPassword } };
	}
};
