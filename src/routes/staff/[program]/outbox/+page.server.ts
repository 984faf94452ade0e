import { NOTIFICATION_STATUSES, type NotificationStatus } from '#lib/cases/casework.ts';
import { getDeps } from '#lib/server/deps.ts';
import { formValues, refused, runAction, runLoad } from '#lib/server/kit/actions.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import {
	cancelNotification,
	listOutbox,
	retryNotification
} from '#lib/server/notifications/outbox.ts';
import type { Actions, PageServerLoad } from './$types';

const STATUSES = Object.values(NOTIFICATION_STATUSES) as string[];

export const load: PageServerLoad = async (event) => {
	const { actor } = await requireStaffContext(event);
	const asked = event.url.searchParams.get('status') ?? '';
	const status = STATUSES.includes(asked) ? (asked as NotificationStatus) : undefined;
	const deps = getDeps();
	return {
		status: status ?? null,
		transports: Object.keys(deps.transports) as ('email' | 'sms')[],
		notifications: await runLoad(() => listOutbox(deps, actor, { status }))
	};
};

export const actions: Actions = {
	cancel: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		const id = String(values.notificationId ?? '');
		const result = await runAction(() => cancelNotification(getDeps(), actor, id));
		return result ?? { cancelled: id };
	},
	retry: async (event) => {
		const { actor } = await requireStaffContext(event);
		const values = await formValues(event.request);
		if (refused(values)) return values;
		const id = String(values.notificationId ?? '');
		const result = await runAction(() => retryNotification(getDeps(), actor, id));
		return result ?? { retried: id };
	}
};
