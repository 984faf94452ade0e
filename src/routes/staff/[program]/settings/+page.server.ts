import { eq } from 'drizzle-orm';
import { assertCan } from '#lib/server/access/staff-access.ts';
import { programs } from '#lib/server/db/schema.ts';
import { getDeps } from '#lib/server/deps.ts';
import { formValues, refused, runAction, runLoad } from '#lib/server/kit/actions.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import { updateProgramSettings } from '#lib/server/preparation/update-program-settings.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor } = await requireStaffContext(event);
	await runLoad(async () => assertCan(actor, 'manageStaff'));
	const [settings] = await getDeps()
		.db.select({
			readinessGate: programs.readinessGate,
			reoffendingMonths: programs.reoffendingMonths,
			checkInDays: programs.checkInDays
		})
		.from(programs)
		.where(eq(programs.id, actor.programId));
	return { settings: settings! };
};

export const actions: Actions = {
	default: async (event) => {
		const { actor } = await requireStaffContext(event);
		const input = await formValues(event.request);
		if (refused(input)) return input;
		const failed = await runAction(() => updateProgramSettings(getDeps(), actor, input), input);
		return failed ?? { saved: true };
	}
};
