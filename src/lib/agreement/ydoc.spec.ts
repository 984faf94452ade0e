import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { sampleContent } from './fixtures.ts';
import {
	addObligation,
	clauseFingerprint,
	initialiseDocument,
	obligationMap,
	parts,
	readContent,
	scheduleInstalments
} from './ydoc.ts';

describe('an agreement document', () => {
	it('reads empty as an empty draft', () => {
		expect(readContent(new Y.Doc())).toEqual({
			harm: '',
			apology: { delivery: 'in_meeting', note: '' },
			obligations: [],
			freeText: ''
		});
	});

	it('reads back what was written, including a generated, then edited, schedule', () => {
		const doc = new Y.Doc();
		initialiseDocument(doc);
		parts(doc).harm.insert(0, 'Bike taken.');
		const id = addObligation(doc, 'payment', 'offender', 'USD', 'pay');
		const map = obligationMap(doc, id)!;
		map.set('amountMinor', 100_00);
		(map.get('verification') as Y.Text).insert(0, 'Receipts');
		scheduleInstalments(doc, id, { count: 3, frequency: 'monthly', startDate: '2027-01-31' });
		const second = (map.get('instalments') as Y.Array<Y.Map<unknown>>).get(1);
		second.set('dueDate', '2027-03-01');
		const content = readContent(doc);
		expect(content.harm).toBe('Bike taken.');
		expect(content.obligations[0]).toMatchObject({
			id: 'pay',
			kind: 'payment',
			amountMinor: 100_00,
			verification: 'Receipts',
			schedule: {
				kind: 'instalments',
				frequency: 'monthly',
				instalments: [
					{ dueDate: '2027-01-31', amountMinor: 33_33 },
					{ dueDate: '2027-03-01', amountMinor: 33_33 },
					{ dueDate: '2027-03-31', amountMinor: 33_34 }
				]
			}
		});
	});

	it('merges what two people type at the same time', () => {
		const a = new Y.Doc();
		const b = new Y.Doc();
		initialiseDocument(a);
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
		parts(a).harm.insert(0, 'The bike was taken. ');
		parts(b).freeText.insert(0, 'We will meet again.');
		Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
		expect(readContent(a)).toEqual(readContent(b));
		expect(readContent(a).freeText).toBe('We will meet again.');
	});
});

describe('a clause fingerprint', () => {
	it('stays the same for the same clause and changes when the clause changes', () => {
		const content = sampleContent();
		const before = clauseFingerprint(content, 'obligation:pay');
		expect(clauseFingerprint(sampleContent(), 'obligation:pay')).toBe(before);
		expect(clauseFingerprint(content, 'harm')).not.toBe(before);
		const pay = content.obligations[0];
		if (pay.kind === 'payment' && pay.schedule.kind === 'instalments')
			pay.schedule.instalments[0].dueDate = '2027-01-16';
		expect(clauseFingerprint(content, 'obligation:pay')).not.toBe(before);
	});
});
