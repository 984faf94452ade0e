import { describe, expect, it } from 'vitest';
import {
	addMonths,
	itemProgress,
	planStatus,
	recordKindFor,
	type PlanItemLike,
	type PlanRecordLike
} from './plan-status.ts';

const TODAY = '2027-03-10';

const payment = (id: string, amountMinor: number, dueDate: string | null): PlanItemLike => ({
	id,
	kind: 'payment',
	dueDate,
	amountMinor,
	hours: null,
	supersededAt: null
});
const service = (id: string, hours: number, dueDate: string | null): PlanItemLike => ({
	id,
	kind: 'service',
	dueDate,
	amountMinor: null,
	hours,
	supersededAt: null
});
const letter = (id: string): PlanItemLike => ({
	id,
	kind: 'apology_letter',
	dueDate: null,
	amountMinor: null,
	hours: null,
	supersededAt: null
});
const paid = (planItemId: string, amountMinor: number): PlanRecordLike => ({
	planItemId,
	kind: 'payment',
	amountMinor,
	hours: null
});
const worked = (planItemId: string, hours: number): PlanRecordLike => ({
	planItemId,
	kind: 'hours',
	amountMinor: null,
	hours
});
const done = (planItemId: string): PlanRecordLike => ({
	planItemId,
	kind: 'done',
	amountMinor: null,
	hours: null
});

describe('a payment item', () => {
	it('counts partial payments, shows what remains, and completes when fully paid', () => {
		const item = payment('a', 100_00, '2027-04-30');
		expect(itemProgress(item, [paid('a', 30_00)], TODAY)).toEqual({
			status: 'upcoming',
			measure: 'amount',
			agreed: 100_00,
			done: 30_00,
			remaining: 70_00,
			excess: 0
		});
		expect(itemProgress(item, [paid('a', 30_00), paid('a', 70_00)], TODAY)).toMatchObject({
			status: 'completed',
			remaining: 0
		});
	});

	it('is overdue once its date has passed, partial amount still shown', () => {
		const item = payment('a', 100_00, '2027-03-09');
		expect(itemProgress(item, [paid('a', 40_00)], TODAY)).toMatchObject({
			status: 'overdue',
			done: 40_00,
			remaining: 60_00
		});
	});

	it('is due, not overdue, on its own date, and due within the next 14 days', () => {
		expect(itemProgress(payment('a', 10_00, TODAY), [], TODAY).status).toBe('due');
		expect(itemProgress(payment('a', 10_00, '2027-03-24'), [], TODAY).status).toBe('due');
		expect(itemProgress(payment('a', 10_00, '2027-03-25'), [], TODAY).status).toBe('upcoming');
	});

	it('completes when overpaid, showing the excess and nothing remaining', () => {
		expect(itemProgress(payment('a', 50_00, '2027-01-01'), [paid('a', 80_00)], TODAY)).toEqual({
			status: 'completed',
			measure: 'amount',
			agreed: 50_00,
			done: 80_00,
			remaining: 0,
			excess: 30_00
		});
	});

	it("ignores other items' records and records of another kind", () => {
		const item = payment('a', 50_00, null);
		expect(itemProgress(item, [paid('b', 50_00), done('a')], TODAY)).toMatchObject({
			status: 'open',
			done: 0
		});
	});
});

describe('service hours and done items', () => {
	it('adds hours to the hundredth without drifting', () => {
		const records = Array.from({ length: 10 }, () => worked('s', 0.1 + 0.15));
		expect(itemProgress(service('s', 2.5, '2027-06-01'), records, TODAY)).toMatchObject({
			status: 'completed',
			done: 2.5,
			remaining: 0
		});
		expect(itemProgress(service('s', 20, '2027-06-01'), [worked('s', 7.25)], TODAY)).toMatchObject({
			status: 'upcoming',
			done: 7.25,
			remaining: 12.75
		});
	});

	it('is open without a date until done is recorded', () => {
		expect(itemProgress(letter('l'), [], TODAY)).toMatchObject({ status: 'open', measure: 'done' });
		expect(itemProgress(letter('l'), [done('l')], TODAY)).toMatchObject({
			status: 'completed',
			remaining: 0
		});
	});

	it('takes the record kind that fits the item', () => {
		expect(recordKindFor(payment('a', 1, null))).toBe('payment');
		expect(recordKindFor(service('s', 1, null))).toBe('hours');
		expect(recordKindFor(letter('l'))).toBe('done');
		expect(recordKindFor({ kind: 'behaviour', amountMinor: null, hours: null })).toBe('done');
	});
});

describe('the plan', () => {
	it('leaves superseded items out of the items and of every total', () => {
		const old = { ...payment('old', 999_00, '2027-01-01'), supersededAt: new Date() };
		const view = planStatus([old, payment('a', 100_00, '2027-04-30')], [paid('old', 5_00)], TODAY);
		expect(view.items.map((i) => i.id)).toEqual(['a']);
		expect(view.summary).toMatchObject({ items: 1, agreedMinor: 100_00, paidMinor: 0 });
	});

	it('counts statuses, sums paid against agreed, and gives the completed share', () => {
		const items = [
			payment('p1', 100_00, '2027-02-01'),
			payment('p2', 100_00, '2027-03-15'),
			service('s', 20, '2027-09-01'),
			letter('l')
		];
		const records = [paid('p1', 100_00), paid('p2', 25_00), worked('s', 4), done('l')];
		const { summary } = planStatus(items, records, TODAY);
		expect(summary).toEqual({
			items: 4,
			counts: { completed: 2, overdue: 0, due: 1, upcoming: 1, open: 0 },
			agreedMinor: 200_00,
			paidMinor: 125_00,
			agreedHours: 20,
			hoursDone: 4,
			completedShare: 0.5,
			suggestedClosure: 'partially_completed'
		});
	});

	it('suggests completed, not completed, or nothing for an empty plan', () => {
		const items = [payment('a', 10_00, '2027-01-01'), letter('l')];
		expect(planStatus(items, [paid('a', 10_00), done('l')], TODAY).summary.suggestedClosure).toBe(
			'completed'
		);
		expect(planStatus(items, [], TODAY).summary.suggestedClosure).toBe('not_completed');
		expect(planStatus([], [], TODAY).summary).toMatchObject({
			suggestedClosure: null,
			completedShare: 0
		});
	});
});

describe('dates', () => {
	it('adds months, ending on the last day of a shorter month', () => {
		expect(addMonths('2027-01-31', 1)).toBe('2027-02-28');
		expect(addMonths('2027-03-10', 30)).toBe('2029-09-10');
	});
});
