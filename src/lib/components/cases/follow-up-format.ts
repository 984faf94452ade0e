import type { PlanMeasure } from '#lib/cases/plan-status.ts';
import { formatDay } from '#lib/format-time.ts';
import { formatMoney } from '#lib/money.ts';
import * as m from '#lib/paraglide/messages.js';

/** How the follow-up page writes amounts, hours, days and shares in a person's language. */
export function followUpFormats(locale: string, currency: string) {
	const money = (minor: number) => formatMoney(minor, currency, locale);
	const hours = (h: number) =>
		m.plan_hours_value({
			hours: new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(h)
		});
	return {
		money,
		hours,
		/** A `YYYY-MM-DD` day as a person reads it. */
		day: (date: string) => formatDay(date, locale),
		percent: (share: number) =>
			new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(share),
		/** A plan item's figure in its own measure; a `done` item reads `whenDone` or `whenNot`. */
		measure: (measure: PlanMeasure, value: number, whenDone = '', whenNot = '') =>
			measure === 'amount'
				? money(value)
				: measure === 'hours'
					? hours(value)
					: value
						? whenDone
						: whenNot
	};
}

export type FollowUpFormats = ReturnType<typeof followUpFormats>;

/** The badge colour of a plan item's or a follow-up's status. */
export const badgeOf = (status: string): string =>
	status === 'completed' || status === 'done'
		? 'ok'
		: status === 'overdue'
			? 'danger'
			: status === 'due'
				? 'warn'
				: '';
