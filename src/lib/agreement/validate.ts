import {
	APOLOGY_DELIVERIES,
	type AgreementContent,
	type IsoDate,
	type Obligation
} from './model.ts';
import { sumOf } from './schedule.ts';

/** A problem with the draft, at a path such as `obligations.1.schedule`; message is a key. */
export interface AgreementIssue {
	path: string;
	message:
		| 'agreement_error_required'
		| 'agreement_error_responsible'
		| 'agreement_error_amount'
		| 'agreement_error_hours'
		| 'agreement_error_date'
		| 'agreement_error_date_past'
		| 'agreement_error_instalments_sum'
		| 'agreement_error_instalments_order'
		| 'agreement_error_instalments_few';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `YYYY-MM-DD` naming a day that exists (not 2027-02-30). */
function isCalendarDate(date: string): boolean {
	if (!DATE.test(date)) return false;
	const [y, m, d] = date.split('-').map(Number) as [number, number, number];
	const day = new Date(Date.UTC(y, m - 1, d));
	return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/**
 * What must hold before the draft can be frozen for signature: every clause filled in, each
 * obligation carried by a party of the case, sums that add up (instalments = amount), and
 * dates still ahead of `today` (in the program's time zone).
 */
export function validateAgreement(
	content: AgreementContent,
	context: { today: IsoDate; parties: readonly string[] }
): AgreementIssue[] {
	const issues: AgreementIssue[] = [];
	const add = (path: string, message: AgreementIssue['message']) => issues.push({ path, message });
	const futureDate = (path: string, date: IsoDate | null, required: boolean) => {
		if (!date) return required ? add(path, 'agreement_error_required') : undefined;
		if (!isCalendarDate(date)) return add(path, 'agreement_error_date');
		if (date <= context.today) add(path, 'agreement_error_date_past');
	};

	if (!content.harm.trim()) add('harm', 'agreement_error_required');
	if (!Object.values(APOLOGY_DELIVERIES).includes(content.apology.delivery))
		add('apology.delivery', 'agreement_error_required');

	content.obligations.forEach((obligation: Obligation, i) => {
		const at = `obligations.${i}`;
		if (!context.parties.includes(obligation.responsible))
			add(`${at}.responsible`, 'agreement_error_responsible');
		if (!obligation.verification.trim()) add(`${at}.verification`, 'agreement_error_required');
		switch (obligation.kind) {
			case 'payment': {
				if (!Number.isInteger(obligation.amountMinor) || obligation.amountMinor <= 0)
					add(`${at}.amount`, 'agreement_error_amount');
				const { schedule } = obligation;
				if (schedule.kind === 'lump_sum')
					futureDate(`${at}.schedule.dueDate`, schedule.dueDate, true);
				else {
					if (schedule.instalments.length < 2)
						add(`${at}.schedule`, 'agreement_error_instalments_few');
					schedule.instalments.forEach((instalment, j) => {
						futureDate(`${at}.schedule.instalments.${j}.dueDate`, instalment.dueDate, true);
						if (!Number.isInteger(instalment.amountMinor) || instalment.amountMinor <= 0)
							add(`${at}.schedule.instalments.${j}.amount`, 'agreement_error_amount');
						const previous = schedule.instalments[j - 1];
						if (previous && instalment.dueDate <= previous.dueDate)
							add(`${at}.schedule.instalments.${j}.dueDate`, 'agreement_error_instalments_order');
					});
					if (sumOf(schedule.instalments) !== obligation.amountMinor)
						add(`${at}.schedule`, 'agreement_error_instalments_sum');
				}
				break;
			}
			case 'service':
				if (!(obligation.hours > 0 && obligation.hours <= 1000))
					add(`${at}.hours`, 'agreement_error_hours');
				futureDate(`${at}.byDate`, obligation.byDate, true);
				if (!obligation.description.trim()) add(`${at}.description`, 'agreement_error_required');
				break;
			case 'behaviour':
			case 'other':
				if (!obligation.description.trim()) add(`${at}.description`, 'agreement_error_required');
				futureDate(`${at}.byDate`, obligation.byDate, false);
		}
	});
	return issues;
}
