import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { GateMode } from '#lib/cases/casework.ts';
import { readinessGate, type GateParty, type GateStatus } from '#lib/cases/readiness-gate.ts';
import type { Executor } from '../db/client.ts';
import {
	cases,
	consents,
	meetings,
	parties,
	programs,
	screenings,
	victimChoices
} from '../db/schema.ts';

/**
 * Everything about a case's readiness for a joint session, as the staff page and the session
 * host both need it: each victim's and offender's screening, consent, preparation meetings and
 * withdrawal, the victim's choices, and the gate (with the program's rule and any override).
 */
export interface CasePreparation {
	gate: GateStatus;
	gateMode: GateMode;
	override: { at: Date; reason: string } | null;
	/** Whether a joint session may start now: the gate is open, or overridden where allowed. */
	mayStartJoint: boolean;
	principals: (GateParty & {
		screeningRow: typeof screenings.$inferSelect | null;
		consent: typeof consents.$inferSelect | null;
		preparationMeetings: (typeof meetings.$inferSelect)[];
	})[];
	victimChoices: (typeof victimChoices.$inferSelect)[];
}

export async function loadCasePreparation(
	executor: Executor,
	caseId: string
): Promise<CasePreparation | null> {
	const [row] = await executor
		.select({ case: cases, gateMode: programs.readinessGate })
		.from(cases)
		.innerJoin(programs, eq(programs.id, cases.programId))
		.where(eq(cases.id, caseId));
	if (!row) return null;
	const people = await executor
		.select()
		.from(parties)
		.where(and(eq(parties.caseId, caseId), inArray(parties.role, ['victim', 'offender'])))
		.orderBy(parties.createdAt, parties.id);
	const ids = people.map((p) => p.id);
	const [screened, consented, prepMeetings, choices] = ids.length
		? [
				await executor.select().from(screenings).where(inArray(screenings.partyId, ids)),
				await executor
					.select()
					.from(consents)
					.where(and(inArray(consents.partyId, ids), isNull(consents.withdrawnAt)))
					.orderBy(desc(consents.givenAt)),
				await executor
					.select()
					.from(meetings)
					.where(and(eq(meetings.caseId, caseId), eq(meetings.kind, 'preparation')))
					.orderBy(meetings.scheduledAt),
				await executor.select().from(victimChoices).where(inArray(victimChoices.partyId, ids))
			]
		: [[], [], [], []];
	const principals = people.map((p) => {
		const screeningRow = screened.find((s) => s.partyId === p.id) ?? null;
		const consent = consented.find((c) => c.partyId === p.id) ?? null;
		const preparationMeetings = prepMeetings.filter((m) => m.partyId === p.id);
		return {
			id: p.id,
			name: p.displayName,
			role: p.role as 'victim' | 'offender',
			withdrawn: p.withdrawnAt !== null,
			screening: screeningRow?.outcome ?? null,
			consented: consent !== null,
			prepared: preparationMeetings.some((m) => m.heldAt !== null),
			screeningRow,
			consent,
			preparationMeetings
		};
	});
	const gate = readinessGate(principals);
	const override =
		row.case.gateOverriddenAt && row.case.gateOverrideReason
			? { at: row.case.gateOverriddenAt, reason: row.case.gateOverrideReason }
			: null;
	return {
		gate,
		gateMode: row.gateMode,
		override,
		mayStartJoint: gate.open || (row.gateMode === 'overridable' && override !== null),
		principals,
		victimChoices: choices
	};
}
