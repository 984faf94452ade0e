import { describe, expect, it } from 'vitest';
import { sampleContent } from './fixtures.ts';
import type { AgreementContent } from './model.ts';
import { validateAgreement } from './validate.ts';

const context = { today: '2026-12-01', parties: ['victim', 'offender', 'guardian'] };
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
});
