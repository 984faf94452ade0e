import { describe, expect, it } from 'vitest';
import { sampleContent } from './fixtures.ts';
import type { AgreementContent, Instalment, Obligation } from './model.ts';
import { validateAgreement } from './validate.ts';

const context = { today: '2026-12-01', parties: ['victim', 'offender', 'guardian'] };
/** The sample's instalments (300.00 in three), to change in place. */
const instalmentsOf = (c: AgreementContent): Instalment[] => {
	const pay = c.obligations[0];
	if (pay.kind !== 'payment' || pay.schedule.kind !== 'instalments') throw new Error('fixture');
	return pay.schedule.instalments;
};
const lumpSum = (dueDate: string): Obligation => ({
	id: 'lump',
	kind: 'payment',
	responsible: 'offender',
	verification: 'Receipt',
	description: 'The tools.',
	amountMinor: 45_00,
	currency: 'USD',
	schedule: { kind: 'lump_sum', dueDate }
});
const issues = (change: (content: AgreementContent) => void) => {
	const content = sampleContent();
	change(content);
	return validateAgreement(content, context).map((i) => [i.path, i.message]);
};

describe('a draft ready to freeze', () => {
	it('passes when every clause is there and everything adds up', () => {
		expect(validateAgreement(sampleContent(), context)).toEqual([]);
	});

	it('needs the harm acknowledged', () => {
		expect(issues((c) => (c.harm = '   '))).toEqual([['harm', 'agreement_error_required']]);
	});

	it('refuses instalments that do not add up to the amount', () => {
		expect(
			issues((c) => {
				const pay = c.obligations[0];
				if (pay.kind === 'payment') pay.amountMinor = 310_00;
			})
		).toEqual([['obligations.0.schedule', 'agreement_error_instalments_sum']]);
	});

	it('refuses dates that have passed, or out of order', () => {
		expect(
			issues((c) => {
				const pay = c.obligations[0];
				if (pay.kind === 'payment' && pay.schedule.kind === 'instalments') {
					pay.schedule.instalments[0].dueDate = '2026-12-01';
					pay.schedule.instalments[2].dueDate = '2027-02-15';
				}
				const serve = c.obligations[1];
				if (serve.kind === 'service') serve.byDate = '2026-11-30';
			})
		).toEqual([
			['obligations.0.schedule.instalments.0.dueDate', 'agreement_error_date_past'],
			['obligations.0.schedule.instalments.2.dueDate', 'agreement_error_instalments_order'],
			['obligations.1.byDate', 'agreement_error_date_past']
		]);
	});

	it('needs each obligation carried by a party of the case and a way to verify it', () => {
		expect(
			issues((c) => {
				c.obligations[0].responsible = 'someone-else';
				c.obligations[1].verification = '';
			})
		).toEqual([
			['obligations.0.responsible', 'agreement_error_responsible'],
			['obligations.1.verification', 'agreement_error_required']
		]);
	});

	it('needs positive amounts and hours, and a lump sum’s date', () => {
		expect(
			issues((c) => {
				c.obligations[0] = {
					id: 'lump',
					kind: 'payment',
					responsible: 'offender',
					verification: 'Receipt',
					description: '',
					amountMinor: 0,
					currency: 'USD',
					schedule: { kind: 'lump_sum', dueDate: '' }
				};
				const serve = c.obligations[1];
				if (serve.kind === 'service') serve.hours = 0;
			})
		).toEqual([
			['obligations.0.amount', 'agreement_error_amount'],
			['obligations.0.schedule.dueDate', 'agreement_error_required'],
			['obligations.1.hours', 'agreement_error_hours']
		]);
	});

	it('accepts instalments edited by hand as long as they still add up to the amount', () => {
		expect(
			issues((c) => {
				const [first, second] = instalmentsOf(c);
				first.amountMinor = 150_00;
				second.amountMinor = 50_00;
			})
		).toEqual([]);
		expect(issues((c) => (instalmentsOf(c)[2].amountMinor = 99_99))).toEqual([
			['obligations.0.schedule', 'agreement_error_instalments_sum']
		]);
	});

	it('refuses an instalment of nothing, even when the rest make up the amount', () => {
		expect(
			issues((c) => {
				const [first, second] = instalmentsOf(c);
				first.amountMinor = 0;
				second.amountMinor = 200_00;
			})
		).toEqual([['obligations.0.schedule.instalments.0.amount', 'agreement_error_amount']]);
	});

	it('needs at least two instalments (one payment is a lump sum)', () => {
		expect(
			issues((c) => {
				const pay = c.obligations[0];
				if (pay.kind === 'payment') pay.amountMinor = 100_00;
				instalmentsOf(c).splice(1);
			})
		).toEqual([['obligations.0.schedule', 'agreement_error_instalments_few']]);
	});

	it('refuses an instalment due before the one listed ahead of it', () => {
		expect(
			issues((c) => {
				const instalments = instalmentsOf(c);
				[instalments[1].dueDate, instalments[2].dueDate] = ['2027-03-15', '2027-02-15'];
			})
		).toEqual([
			['obligations.0.schedule.instalments.2.dueDate', 'agreement_error_instalments_order']
		]);
	});

	it('takes today as passed and tomorrow as ahead, for a lump sum', () => {
		expect(issues((c) => (c.obligations[0] = lumpSum('2026-12-01')))).toEqual([
			['obligations.0.schedule.dueDate', 'agreement_error_date_past']
		]);
		expect(issues((c) => (c.obligations[0] = lumpSum('2026-12-02')))).toEqual([]);
	});

	it('refuses a date not written YYYY-MM-DD, or a day that does not exist', () => {
		for (const date of ['15/01/2027', '2027-02-30', '2027-13-01', '2027-02-29'])
			expect(issues((c) => (c.obligations[0] = lumpSum(date)))).toEqual([
				['obligations.0.schedule.dueDate', 'agreement_error_date']
			]);
		expect(issues((c) => (c.obligations[0] = lumpSum('2028-02-29')))).toEqual([]);
	});

	it('lets a behaviour or other commitment have no date, but not a passed one, and needs its words', () => {
		const commitment = (kind: 'behaviour' | 'other', byDate: string | null): Obligation => ({
			id: kind,
			kind,
			responsible: 'offender',
			verification: 'The mediator is told.',
			description: 'Stays away from the garden.',
			byDate
		});
		expect(
			issues((c) => c.obligations.push(commitment('behaviour', null), commitment('other', null)))
		).toEqual([]);
		expect(
			issues((c) => {
				c.obligations.push(commitment('behaviour', '2026-11-01'), commitment('other', null));
				c.obligations[3].description = ' ';
			})
		).toEqual([
			['obligations.2.byDate', 'agreement_error_date_past'],
			['obligations.3.description', 'agreement_error_required']
		]);
	});

	it('needs service described, with hours up to 1000 and part hours allowed', () => {
		const serve = (change: (o: Extract<Obligation, { kind: 'service' }>) => void) =>
			issues((c) => {
				const o = c.obligations[1];
				if (o.kind === 'service') change(o);
			});
		expect(serve((o) => (o.hours = 2.5))).toEqual([]);
		expect(serve((o) => (o.hours = 1001))).toEqual([
			['obligations.1.hours', 'agreement_error_hours']
		]);
		expect(serve((o) => (o.description = ''))).toEqual([
			['obligations.1.description', 'agreement_error_required']
		]);
	});

	it('needs a known way of delivering the apology', () => {
		expect(
			issues((c) => (c.apology.delivery = '' as AgreementContent['apology']['delivery']))
		).toEqual([['apology.delivery', 'agreement_error_required']]);
	});
});
