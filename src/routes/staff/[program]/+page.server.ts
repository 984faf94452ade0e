import { listCases } from '#lib/server/cases/list-cases.ts';
import { getDeps } from '#lib/server/deps.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor } = await requireStaffContext(event);
	return { cases: await listCases(getDeps().db, actor) };
};
