import { redirect } from '@sveltejs/kit';
import { listProgramsOf } from '#lib/server/access/staff-access.ts';
import { getDeps } from '#lib/server/deps.ts';
import { requireStaffUser } from '#lib/server/kit/staff.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const staff = requireStaffUser(event);
	const programs = await listProgramsOf(getDeps().db, staff.user.id);
	if (programs.length === 1) redirect(303, `/staff/${programs[0].slug}`);
	return { programs };
};
