import { can } from '#lib/server/access/staff-access.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const { program, actor } = await requireStaffContext(event);
	return {
		program: {
			slug: program.slug,
			name: program.name,
			timeZone: program.timeZone,
			currency: program.currency
		},
		role: actor.role,
		can: {
			manageCases: can(actor, 'manageCases'),
			manageMeetings: can(actor, 'manageMeetings'),
			manageStaff: can(actor, 'manageStaff'),
			seeOutcomes: can(actor, 'seeOutcomes'),
			manageOutbox: can(actor, 'manageOutbox')
		}
	};
};
