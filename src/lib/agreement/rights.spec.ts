import { describe, expect, it } from 'vitest';
import { EDIT_REFUSALS } from '../protocol/collab.ts';
import type { PartyRole } from '../protocol/roles.ts';
import { AGENDA_STEPS, type AgendaStep } from '../session/model.ts';
import {
	acceptorsOf,
	agreementEditRight,
	agreementParties,
	notesEditRight,
	requiredSigners,
	signerRoleOf,
	type CaseParty,
	type Editor
} from './rights.ts';
import type { AgreementStatus } from './status.ts';

const staff: Editor = { kind: 'staff' };
const party = (role: PartyRole): Editor => ({ kind: 'party', role });
const drafting = { status: 'drafting' as AgreementStatus, readOnly: false };
const steps: (AgendaStep | null)[] = [...Object.values(AGENDA_STEPS), null];
const notDraftingSteps = steps.filter((s) => s !== 'drafting');
const editors: Editor[] = [
	staff,
	party('victim'),
	party('offender'),
	party('guardian'),
	party('support')
];

/** A juvenile case: the victim with a supporter, the offender with a guardian. */
const parties: CaseParty[] = [
	{ id: 'v', role: 'victim', name: 'Maria Lopez', accompanies: null },
	{ id: 'o', role: 'offender', name: 'Jordan Reed', accompanies: null },
	{ id: 'g', role: 'guardian', name: 'Pat Reed', accompanies: 'o' },
	{ id: 's', role: 'support', name: 'Sam Lopez', accompanies: 'v' }
];
const ids = (list: readonly { id: string }[]) => list.map((p) => p.id);

describe('who may edit the agreement', () => {
	it('lets nobody edit once it is frozen, signed or replaced — staff included, at drafting', () => {
		for (const status of ['frozen', 'executed', 'superseded'] as const)
			for (const editor of editors)
				expect(agreementEditRight({ status, readOnly: false }, editor, 'drafting')).toEqual({
					canEdit: false,
					reason: EDIT_REFUSALS.frozen
				});
	});

	it('never lets a support person edit, whatever the step', () => {
		for (const step of steps)
			expect(agreementEditRight(drafting, party('support'), step)).toEqual({
				canEdit: false,
				reason: EDIT_REFUSALS.readOnlyRole
			});
	});

	it('lets nobody edit while the mediator holds it read-only, staff included', () => {
		const held = { status: 'drafting' as const, readOnly: true };
		for (const editor of [staff, party('victim'), party('offender'), party('guardian')])
			expect(agreementEditRight(held, editor, 'drafting')).toEqual({
				canEdit: false,
				reason: EDIT_REFUSALS.readOnly
			});
	});

	it('lets staff edit a draft at any step, and before or after the session', () => {
		for (const step of steps)
			expect(agreementEditRight(drafting, staff, step)).toEqual({ canEdit: true });
	});

	it('lets a victim, an offender or a guardian edit only at the drafting step', () => {
		for (const role of ['victim', 'offender', 'guardian'] as const) {
			expect(agreementEditRight(drafting, party(role), 'drafting')).toEqual({ canEdit: true });
			for (const step of notDraftingSteps)
				expect(agreementEditRight(drafting, party(role), step), `${role} at ${step}`).toEqual({
					canEdit: false,
					reason: EDIT_REFUSALS.notDrafting
				});
		}
	});
});

describe('who may write a side’s private notes', () => {
	// Which side's notes a person may open at all is decided by document-access.ts.
	it('lets staff and the side’s victim, offender or guardian write', () => {
		for (const editor of [staff, party('victim'), party('offender'), party('guardian')])
			expect(notesEditRight(editor)).toEqual({ canEdit: true });
	});

	it('lets a support person read only', () => {
		expect(notesEditRight(party('support'))).toEqual({
			canEdit: false,
			reason: EDIT_REFUSALS.readOnlyRole
		});
	});
});

describe('who the agreement is between', () => {
	it('is the victims and offenders, and the offender’s guardian when the offender is a minor', () => {
		expect(ids(agreementParties(parties, true))).toEqual(['v', 'o', 'g']);
		expect(ids(agreementParties(parties, false))).toEqual(['v', 'o']);
	});

	it('leaves out a guardian who accompanies the victim, and every support person', () => {
		const victimGuardian: CaseParty = {
			id: 'vg',
			role: 'guardian',
			name: 'Ana Lopez',
			accompanies: 'v'
		};
		expect(ids(agreementParties([...parties, victimGuardian], true))).toEqual(['v', 'o', 'g']);
	});

	it('takes a guardian recorded without whom they accompany as the offender’s', () => {
		const unlinked = parties.map((p) => (p.id === 'g' ? { ...p, accompanies: null } : p));
		expect(ids(agreementParties(unlinked, true))).toEqual(['v', 'o', 'g']);
		expect(ids(agreementParties(unlinked, false))).toEqual(['v', 'o']);
	});

	it('includes every victim and offender of a case with several', () => {
		const many: CaseParty[] = [
			...parties,
			{ id: 'v2', role: 'victim', name: 'Lee Chan', accompanies: null },
			{ id: 'o2', role: 'offender', name: 'Kim Ray', accompanies: null }
		];
		expect(ids(agreementParties(many, false))).toEqual(['v', 'o', 'v2', 'o2']);
	});

	it('asks each victim and each offender, and no one else, to accept the clauses', () => {
		expect(acceptorsOf(parties)).toEqual(['v', 'o']);
	});
});

describe('who signs', () => {
	it('signs a party in their own role', () => {
		expect(signerRoleOf(parties, 'v', true)).toBe('victim');
		expect(signerRoleOf(parties, 'o', false)).toBe('offender');
		expect(signerRoleOf(parties, 'g', true)).toBe('guardian');
	});

	it('does not ask a support person, a stranger, or an adult offender’s guardian to sign', () => {
		expect(signerRoleOf(parties, 's', true)).toBeNull();
		expect(signerRoleOf(parties, 'nobody', true)).toBeNull();
		expect(signerRoleOf(parties, 'g', false)).toBeNull();
	});

	it('needs the victim, the offender, the juvenile offender’s guardian, and a mediator witness', () => {
		expect(requiredSigners(parties, true)).toEqual([
			{ role: 'victim', partyId: 'v', name: 'Maria Lopez' },
			{ role: 'offender', partyId: 'o', name: 'Jordan Reed' },
			{ role: 'guardian', partyId: 'g', name: 'Pat Reed' },
			{ role: 'mediator', partyId: null, name: '' }
		]);
	});

	it('needs no guardian when the offender is an adult', () => {
		expect(requiredSigners(parties, false).map((s) => s.role)).toEqual([
			'victim',
			'offender',
			'mediator'
		]);
	});
});
