import { requireStaffUser } from '#lib/server/kit/staff.ts';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = (event) => {
	const staff = requireStaffUser(event);
	return { user: staff.user };
};
