import { getDeps } from '#lib/server/deps.ts';
import { runLoad } from '#lib/server/kit/actions.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import { outboxIcs } from '#lib/server/notifications/outbox.ts';
import type { RequestHandler } from './$types';

/** The calendar file of one message in the outbox, as a download. */
export const GET: RequestHandler = async (event) => {
	const { actor } = await requireStaffContext(event);
	const ics = await runLoad(() => outboxIcs(getDeps(), actor, event.params.notificationId));
	return new Response(ics, {
		headers: {
			'content-type': 'text/calendar; charset=utf-8',
			'content-disposition': 'attachment; filename="meeting.ics"',
			'cache-control': 'private, no-store'
		}
	});
};
