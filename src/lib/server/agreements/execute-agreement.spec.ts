import { describe, expect, it } from 'vitest';
import { canonicalForm, readCanonical } from '#lib/agreement/canonical.ts';
import { sampleCanonicalInput, sampleContent } from '#lib/agreement/fixtures.ts';
import type { AgreementContent, Obligation } from '#lib/agreement/model.ts';
import { planOf } from './execute-agreement.ts';

const base = { caseId: 'case-1', agreementId: 'agreement-1' };
/** The sample names its parties by role; in a case they are ids like these. */
const partyIds = ['victim', 'offender', 'guardian'];
const plan = (content: AgreementContent, offenders: readonly string[] = ['offender']) =>
	planOf(content, base, partyIds, offenders);
const withObligations = (...obligations: Obligation[]): AgreementContent => ({
	...sampleContent(),
	apology: { delivery: 'in_meeting', note: '' },
	obligations
});

describe('the follow-up plan of an executed agreement', () => {
	it('has one payment per instalment, each with its own date and amount as signed', () => {
		const content = sampleContent();
		const pay = content.obligations[0];
		if (pay.kind !== 'payment' || pay.schedule.kind !== 'instalments') throw new Error('fixture');
		pay.schedule.instalments[2] = { dueDate: '2027-03-20', amountMinor: 100_01 };
		pay.amountMinor = 300_01;
		expect(plan(content).filter((i) => i.kind === 'payment')).toEqual(
			[
				['2027-01-15', 100_00],
				['2027-02-15', 100_00],
				['2027-03-20', 100_01]
			].map(([dueDate, amountMinor]) => ({
				...base,
				obligationId: 'pay',
				kind: 'payment',
				responsiblePartyId: 'offender',
				description: 'Repair of the bicycle and the shed door.',
				dueDate,
				amountMinor
			}))
		);
	});

	it('has a lump sum as one payment of the whole amount on its date', () => {
		const items = plan(
			withObligations({
				id: 'lump',
				kind: 'payment',
				responsible: 'guardian',
				verification: 'Receipt',
				description: 'The tools.',
				amountMinor: 45_50,
				currency: 'USD',
				schedule: { kind: 'lump_sum', dueDate: '2027-02-01' }
			})
		);
		expect(items).toEqual([
			{
				...base,
				obligationId: 'lump',
				kind: 'payment',
				responsiblePartyId: 'guardian',
				description: 'The tools.',
				dueDate: '2027-02-01',
				amountMinor: 45_50
			}
		]);
	});

	it('has the service hours as one item, with the hours and the date they are due by', () => {
		expect(plan(sampleContent()).filter((i) => i.kind === 'service')).toEqual([
			{
				...base,
				obligationId: 'serve',
				kind: 'service',
				responsiblePartyId: 'offender',
				description: 'Work at the community garden.',
				dueDate: '2027-04-30',
				hours: 20
			}
		]);
	});

	it('has each behaviour or other commitment as one item, with its date or none', () => {
		const items = plan(
			withObligations(
				{
					id: 'stay-away',
					kind: 'behaviour',
					responsible: 'offender',
					verification: 'Reported by the victim.',
					description: 'Does not enter the garden.',
					byDate: null
				},
				{
					id: 'jacket',
					kind: 'other',
					responsible: 'victim',
					verification: 'The mediator is told.',
					description: 'Returns the jacket.',
					byDate: '2027-01-31'
				}
			)
		);
		expect(items).toEqual([
			{
				...base,
				obligationId: 'stay-away',
				kind: 'behaviour',
				responsiblePartyId: 'offender',
				description: 'Does not enter the garden.',
				dueDate: null
			},
			{
				...base,
				obligationId: 'jacket',
				kind: 'other',
				responsiblePartyId: 'victim',
				description: 'Returns the jacket.',
				dueDate: '2027-01-31'
			}
		]);
	});

	it('adds the apology letter, for the offender to write, when the apology is by letter', () => {
		const items = plan(sampleContent(), ['offender', 'offender-2']);
		expect(items.filter((i) => i.kind === 'apology_letter')).toEqual([
			{
				...base,
				obligationId: null,
				kind: 'apology_letter',
				responsiblePartyId: 'offender',
				description: 'A letter, passed on by the program.',
				dueDate: null
			}
		]);
	});

	it('adds no letter when the apology was made in the meeting or not at all', () => {
		for (const delivery of ['in_meeting', 'none'] as const) {
			const content = sampleContent();
			content.apology.delivery = delivery;
			expect(plan(content).map((i) => i.kind)).toEqual([
				'payment',
				'payment',
				'payment',
				'service'
			]);
		}
	});

	it('keeps who is responsible, and leaves it open for someone who is no longer a party', () => {
		const content = sampleContent();
		content.obligations[1].responsible = 'guardian';
		content.obligations[0].responsible = 'removed-party';
		const items = plan(content);
		expect(items.map((i) => [i.kind, i.responsiblePartyId])).toEqual([
			['payment', null],
			['payment', null],
			['payment', null],
			['service', 'guardian'],
			['apology_letter', 'offender']
		]);
		expect(plan(sampleContent(), []).at(-1)).toMatchObject({
			kind: 'apology_letter',
			responsiblePartyId: null
		});
	});

	it('is the same whether made from the draft or from the frozen text read back', () => {
		const input = sampleCanonicalInput();
		expect(plan(readCanonical(canonicalForm(input)).content)).toEqual(plan(input.content));
	});
});
