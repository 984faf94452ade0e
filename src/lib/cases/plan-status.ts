import { parseDate } from '@internationalized/date';
import type { PlanItemKind } from '../agreement/status.ts';
import { CASE_CLOSURES, PLAN_RECORD_KINDS, type PlanRecordKind } from './casework.ts';

/**
 * Where each item of the follow-up plan stands on a given day, and the plan as a whole. Pure:
 * the same items, records and day always give the same answer (the page, the export and the
 * tests share it). Days are `YYYY-MM-DD` in the program's time zone.
 */

export const PLAN_STATUSES = {
	completed: 'completed',
	/** Its date has passed and it is not complete (partial amounts are still shown). */
	overdue: 'overdue',
	/** Due within the next DUE_SOON_DAYS days, today included. */
	due: 'due',
	upcoming: 'upcoming',
	/** No date set and not complete. */
	open: 'open'
} as const;
export type PlanStatus = (typeof PLAN_STATUSES)[keyof typeof PLAN_STATUSES];

export const DUE_SOON_DAYS = 14;

export interface PlanItemLike {
	id: string;
	kind: PlanItemKind;
	dueDate: string | null;
	amountMinor: number | null;
	hours: number | null;
	supersededAt: Date | null;
}

export interface PlanRecordLike {
	planItemId: string;
	kind: PlanRecordKind;
	amountMinor: number | null;
	hours: number | null;
}

/** What is measured for an item: money paid, hours worked, or simply done. */
export type PlanMeasure = 'amount' | 'hours' | 'done';

export interface PlanItemProgress {
	status: PlanStatus;
	measure: PlanMeasure;
	/** Minor units (amount), hours, or 1 (done). */
	agreed: number;
	/** Paid (minor units), hours worked, or 1 once done is recorded. */
	done: number;
	/** Never below zero. */
	remaining: number;
	/** Paid or worked beyond what was agreed. */
	excess: number;
}

/** The kind of record an item takes: a payment for money, hours for service, done otherwise. */
export function recordKindFor(item: Pick<PlanItemLike, 'kind' | 'amountMinor' | 'hours'>) {
	if (item.kind === 'payment' && item.amountMinor !== null) return PLAN_RECORD_KINDS.payment;
	if (item.kind === 'service' && item.hours !== null) return PLAN_RECORD_KINDS.hours;
	return PLAN_RECORD_KINDS.done;
}

const measureOf = (kind: PlanRecordKind): PlanMeasure =>
	kind === PLAN_RECORD_KINDS.payment
		? 'amount'
		: kind === PLAN_RECORD_KINDS.hours
			? 'hours'
			: 'done';

/** Hours are kept to the hundredth; sums of quarters must not drift. */
const roundHours = (h: number) => Math.round(h * 100) / 100;

/** `date` plus `days` days, as `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
	return parseDate(date).add({ days }).toString();
}

/** `date` plus `months` months; the month's last day when the day does not exist (31 → 30). */
export function addMonths(date: string, months: number): string {
	return parseDate(date).add({ months }).toString();
}

export function itemProgress(
	item: PlanItemLike,
	records: readonly PlanRecordLike[],
	today: string
): PlanItemProgress {
	const recordKind = recordKindFor(item);
	const measure = measureOf(recordKind);
	const own = records.filter((r) => r.planItemId === item.id && r.kind === recordKind);
	let agreed: number;
	let done: number;
	if (measure === 'amount') {
		agreed = item.amountMinor ?? 0;
		done = own.reduce((sum, r) => sum + (r.amountMinor ?? 0), 0);
	} else if (measure === 'hours') {
		agreed = roundHours(item.hours ?? 0);
		done = roundHours(own.reduce((sum, r) => sum + (r.hours ?? 0), 0));
	} else {
		agreed = 1;
		done = own.length > 0 ? 1 : 0;
	}
	const complete = done >= agreed;
	const remaining =
		measure === 'hours' ? roundHours(Math.max(0, agreed - done)) : Math.max(0, agreed - done);
	const excess =
		measure === 'hours' ? roundHours(Math.max(0, done - agreed)) : Math.max(0, done - agreed);
	return {
		status: statusOf(complete, item.dueDate, today),
		measure,
		agreed,
		done,
		remaining,
		excess
	};
}

function statusOf(complete: boolean, dueDate: string | null, today: string): PlanStatus {
	if (complete) return PLAN_STATUSES.completed;
	if (dueDate === null) return PLAN_STATUSES.open;
	// ISO dates compare as strings.
	if (dueDate < today) return PLAN_STATUSES.overdue;
	if (dueDate <= addDays(today, DUE_SOON_DAYS)) return PLAN_STATUSES.due;
	return PLAN_STATUSES.upcoming;
}

export interface PlanSummary {
	/** Items in force (superseded ones are left out). */
	items: number;
	counts: Record<PlanStatus, number>;
	agreedMinor: number;
	/** Everything paid against items in force, overpayments included. */
	paidMinor: number;
	agreedHours: number;
	hoursDone: number;
	/** Completed items over items in force, 0–1; 0 for an empty plan. */
	completedShare: number;
	/** How the case would be closed today; null when the plan is empty. */
	suggestedClosure:
		| typeof CASE_CLOSURES.completed
		| typeof CASE_CLOSURES.partiallyCompleted
		| typeof CASE_CLOSURES.notCompleted
		| null;
}

export interface PlanView<I extends PlanItemLike> {
	items: (I & { progress: PlanItemProgress })[];
	summary: PlanSummary;
}

/** Every item in force with its progress, and the summary; superseded items are left out. */
export function planStatus<I extends PlanItemLike>(
	allItems: readonly I[],
	records: readonly PlanRecordLike[],
	today: string
): PlanView<I> {
	const items = allItems
		.filter((item) => item.supersededAt === null)
		.map((item) => ({ ...item, progress: itemProgress(item, records, today) }));
	const counts: Record<PlanStatus, number> = {
		completed: 0,
		overdue: 0,
		due: 0,
		upcoming: 0,
		open: 0
	};
	let agreedMinor = 0;
	let paidMinor = 0;
	let agreedHours = 0;
	let hoursDone = 0;
	let anyProgress = false;
	for (const { progress } of items) {
		counts[progress.status] += 1;
		if (progress.done > 0) anyProgress = true;
		if (progress.measure === 'amount') {
			agreedMinor += progress.agreed;
			paidMinor += progress.done;
		} else if (progress.measure === 'hours') {
			agreedHours += progress.agreed;
			hoursDone += progress.done;
		}
	}
	const total = items.length;
	return {
		items,
		summary: {
			items: total,
			counts,
			agreedMinor,
			paidMinor,
			agreedHours: roundHours(agreedHours),
			hoursDone: roundHours(hoursDone),
			completedShare: total === 0 ? 0 : counts.completed / total,
			suggestedClosure:
				total === 0
					? null
					: counts.completed === total
						? CASE_CLOSURES.completed
						: anyProgress
							? CASE_CLOSURES.partiallyCompleted
							: CASE_CLOSURES.notCompleted
		}
	};
}
