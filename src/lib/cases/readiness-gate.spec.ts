import { describe, expect, it } from 'vitest';
import { readinessGate, type GateParty } from './readiness-gate.ts';

const ready = (id: string, role: GateParty['role']): GateParty => ({
	id,
	name: id,
	role,
	withdrawn: false,
	screening: 'suitable',
	consented: true,
	prepared: true
});

describe('the readiness gate', () => {
	it('opens when both are screened suitable, consented and prepared', () => {
		expect(readinessGate([ready('v', 'victim'), ready('o', 'offender')])).toEqual({
			open: true,
			gaps: []
		});
	});

	it('stays closed, naming each missing step for each person', () => {
		const status = readinessGate([
			{ ...ready('v', 'victim'), screening: null, prepared: false },
			{ ...ready('o', 'offender'), consented: false }
		]);
		expect(status.open).toBe(false);
		expect(status.gaps).toEqual([
			{ kind: 'not_screened', partyId: 'v', name: 'v' },
			{ kind: 'not_prepared', partyId: 'v', name: 'v' },
			{ kind: 'no_consent', partyId: 'o', name: 'o' }
		]);
	});

	it('treats a pending screening as not screened and any other outcome as unsuitable', () => {
		expect(
			readinessGate([{ ...ready('v', 'victim'), screening: 'pending' }, ready('o', 'offender')])
				.gaps
		).toEqual([{ kind: 'not_screened', partyId: 'v', name: 'v' }]);
		const refer = readinessGate([
			ready('v', 'victim'),
			{ ...ready('o', 'offender'), screening: 'refer_elsewhere' }
		]);
		expect(refer.open).toBe(false);
		expect(refer.gaps).toEqual([
			{ kind: 'not_suitable', partyId: 'o', name: 'o', outcome: 'refer_elsewhere' }
		]);
	});

	it('closes when the only victim withdrew, and needs a victim and an offender at all', () => {
		const withdrawn = readinessGate([
			{ ...ready('v', 'victim'), withdrawn: true },
			ready('o', 'offender')
		]);
		expect(withdrawn.open).toBe(false);
		expect(withdrawn.gaps).toContainEqual({ kind: 'no_victim' });
		expect(readinessGate([]).gaps).toEqual([{ kind: 'no_victim' }, { kind: 'no_offender' }]);
	});

	it('stays open when one of two offenders withdrew and the other is ready', () => {
		const status = readinessGate([
			ready('v', 'victim'),
			ready('o1', 'offender'),
			{ ...ready('o2', 'offender'), withdrawn: true, consented: false }
		]);
		expect(status.open).toBe(true);
		expect(status.gaps).toEqual([{ kind: 'withdrawn', partyId: 'o2', name: 'o2' }]);
	});
});
