import type { RequestEvent } from '@sveltejs/kit';
import { error, redirect } from '@sveltejs/kit';
import * as m from '#lib/paraglide/messages.js';
import { loadStaffContext, type StaffContext } from '../access/staff-access.ts';
import { getDeps } from '../deps.ts';

/** The signed-in staff member, or a redirect to sign in that comes back here afterwards. */
export function requireStaffUser(event: Pick<RequestEvent, 'locals' | 'url'>) {
	const staff = event.locals.staff;
	if (!staff) redirect(303, `/login?next=${encodeURIComponent(event.url.pathname)}`);
	return staff;
}

/**
 * The staff member's standing in the program of the URL. Every load and every form action of
 * /staff/[program] calls this itself: a layout's check does not protect an action.
 */
export async function requireStaffContext(
	event: Pick<RequestEvent, 'locals' | 'url' | 'params' | 'getClientAddress'>
): Promise<StaffContext> {
	const staff = requireStaffUser(event);
	const slug = (event.params as { program?: string }).program ?? '';
	const context = await loadStaffContext(getDeps().db, staff.user, slug, event.getClientAddress());
	if (!context) error(404, m.error_not_found());
	return context;
}
