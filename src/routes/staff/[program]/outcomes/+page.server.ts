import { getDeps } from '#lib/server/deps.ts';
import { runLoad } from '#lib/server/kit/actions.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import { loadOutcomes, parseOutcomeFilter } from '#lib/server/outcomes/load-outcomes.ts';
import type { PageServerLoad } from './$types';

/** The program's outcomes, for its admins and coordinators (`seeOutcomes`). */
export const load: PageServerLoad = async (event) => {
	const { actor } = await requireStaffContext(event);
	return runLoad(async () => {
		const filter = parseOutcomeFilter(event.url.searchParams);
		const { outcomes, asOf } = await loadOutcomes(getDeps(), actor, filter);
		return { outcomes, asOf, filter };
	});
};
