import type { AgreementContent } from './model.ts';
import type { CanonicalInput } from './canonical.ts';

/** A complete, valid agreement for tests: a payment in instalments, service hours, an apology. */
export function sampleContent(): AgreementContent {
	return {
		harm: 'Jordan broke into the garden shed and took the bicycle and the tools.',
		apology: { delivery: 'letter', note: 'A letter, passed on by the program.' },
		obligations: [
			{
				id: 'pay',
				kind: 'payment',
				responsible: 'offender',
				verification: 'Receipts kept by the program.',
				description: 'Repair of the bicycle and the shed door.',
				amountMinor: 300_00,
				currency: 'USD',
				schedule: {
					kind: 'instalments',
					frequency: 'monthly',
					startDate: '2027-01-15',
					instalments: [
						{ dueDate: '2027-01-15', amountMinor: 100_00 },
						{ dueDate: '2027-02-15', amountMinor: 100_00 },
						{ dueDate: '2027-03-15', amountMinor: 100_00 }
					]
				}
			},
			{
				id: 'serve',
				kind: 'service',
				responsible: 'offender',
				verification: 'Signed time sheet from the community garden.',
				description: 'Work at the community garden.',
				hours: 20,
				beneficiary: 'community',
				byDate: '2027-04-30'
			}
		],
		freeText: 'Both agree to meet again if either asks.'
	};
}

export function sampleCanonicalInput(): CanonicalInput {
	return {
		program: 'Riverside Restorative Justice Program',
		caseReference: '2026-0001',
		version: 1,
		amends: null,
		parties: [
			{ id: 'victim', name: 'Maria Lopez', role: 'victim' },
			{ id: 'offender', name: 'Jordan Reed', role: 'offender' },
			{ id: 'guardian', name: 'Pat Reed', role: 'guardian' }
		],
		content: sampleContent()
	};
}
