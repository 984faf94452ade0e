import type { ScreeningOutcome } from './casework.ts';

/**
 * The readiness gate before a joint session: every victim and offender still taking part has
 * been screened "suitable", has given consent (not withdrawn), and has had a preparation
 * meeting. A pure function: the server loads the facts and decides with it, the page shows
 * the same list.
 */

export interface GateParty {
	id: string;
	name: string;
	role: 'victim' | 'offender';
	withdrawn: boolean;
	screening: ScreeningOutcome | null;
	consented: boolean;
	prepared: boolean;
}

export type GateGap =
	| { kind: 'no_victim' }
	| { kind: 'no_offender' }
	| { kind: 'withdrawn'; partyId: string; name: string }
	| { kind: 'not_screened'; partyId: string; name: string }
	| { kind: 'not_suitable'; partyId: string; name: string; outcome: ScreeningOutcome }
	| { kind: 'no_consent'; partyId: string; name: string }
	| { kind: 'not_prepared'; partyId: string; name: string };

export interface GateStatus {
	open: boolean;
	gaps: GateGap[];
}

export function readinessGate(parties: readonly GateParty[]): GateStatus {
	const gaps: GateGap[] = [];
	const taking = parties.filter((p) => !p.withdrawn);
	if (!taking.some((p) => p.role === 'victim')) gaps.push({ kind: 'no_victim' });
	if (!taking.some((p) => p.role === 'offender')) gaps.push({ kind: 'no_offender' });
	for (const p of parties) {
		const who = { partyId: p.id, name: p.name };
		if (p.withdrawn) {
			gaps.push({ kind: 'withdrawn', ...who });
			continue;
		}
		if (p.screening === null || p.screening === 'pending')
			gaps.push({ kind: 'not_screened', ...who });
		else if (p.screening !== 'suitable')
			gaps.push({ kind: 'not_suitable', ...who, outcome: p.screening });
		if (!p.consented) gaps.push({ kind: 'no_consent', ...who });
		if (!p.prepared) gaps.push({ kind: 'not_prepared', ...who });
	}
	// A withdrawn party closes the gate only if nobody of their role remains.
	const open = gaps.every(
		(gap) =>
			gap.kind === 'withdrawn' &&
			taking.some((p) => p.role === parties.find((q) => q.id === gap.partyId)?.role)
	);
	return { open, gaps };
}
