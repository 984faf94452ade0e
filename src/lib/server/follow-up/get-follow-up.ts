import { and, asc, eq, isNull } from 'drizzle-orm';
import { FOLLOW_UP_KINDS } from '#lib/cases/casework.ts';
import { DUE_SOON_DAYS, addDays, planStatus, recordKindFor } from '#lib/cases/plan-status.ts';
import { dateIn } from '#lib/time.ts';
import { can, findVisibleCase, type Program, type StaffActor } from '../access/staff-access.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { agreements, followUps, parties, planItems, planRecords, user } from '../db/schema.ts';
import { ensureFollowUps, followUpAnchor } from './ensure-follow-ups.ts';

/** Where a follow-up stands on the program's today. */
export type FollowUpState = 'done' | 'overdue' | 'due' | 'upcoming';

/**
 * Everything the follow-up page shows staff: the plan in force with each item's progress and
 * records, its summary, the follow-ups (scheduled here first if due to be), and what this
 * person may do. Survey links are never here: only their existence.
 */
export async function getFollowUp(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	program: Program,
	caseId: string
) {
	const { db } = deps;
	const row = await findVisibleCase(db, actor, caseId);
	await ensureFollowUps(deps, caseId);
	const today = dateIn(deps.clock.now(), program.timeZone);

	const [people, items, records, followUpRows, executed, anchor] = await Promise.all([
		db
			.select({ id: parties.id, displayName: parties.displayName, role: parties.role })
			.from(parties)
			.where(eq(parties.caseId, caseId))
			.orderBy(asc(parties.createdAt)),
		db
			.select()
			.from(planItems)
			.where(and(eq(planItems.caseId, caseId), isNull(planItems.supersededAt)))
			.orderBy(asc(planItems.dueDate), asc(planItems.createdAt)),
		db
			.select({
				id: planRecords.id,
				planItemId: planRecords.planItemId,
				kind: planRecords.kind,
				amountMinor: planRecords.amountMinor,
				hours: planRecords.hours,
				occurredOn: planRecords.occurredOn,
				note: planRecords.note,
				recordedBy: user.name
			})
			.from(planRecords)
			.leftJoin(user, eq(user.id, planRecords.recordedByUserId))
			.where(eq(planRecords.caseId, caseId))
			.orderBy(asc(planRecords.occurredOn), asc(planRecords.createdAt)),
		db
			.select({
				id: followUps.id,
				partyId: followUps.partyId,
				kind: followUps.kind,
				dueOn: followUps.dueOn,
				doneAt: followUps.doneAt,
				result: followUps.result,
				hasLink: followUps.tokenHash
			})
			.from(followUps)
			.where(eq(followUps.caseId, caseId))
			.orderBy(asc(followUps.dueOn), asc(followUps.kind)),
		db
			.select({ id: agreements.id })
			.from(agreements)
			.where(and(eq(agreements.caseId, caseId), eq(agreements.status, 'executed')))
			.limit(1),
		followUpAnchor(db, caseId, program.timeZone)
	]);

	const names = new Map(people.map((p) => [p.id, p]));
	const plan = planStatus(items, records, today);
	const soon = addDays(today, DUE_SOON_DAYS);
	return {
		case: {
			id: row.id,
			reference: row.reference,
			status: row.status,
			closure: row.closure,
			closedAt: row.closedAt
		},
		today,
		anchor,
		hasExecutedAgreement: executed.length > 0,
		plan: {
			summary: plan.summary,
			items: plan.items.map((item) => ({
				id: item.id,
				kind: item.kind,
				description: item.description,
				dueDate: item.dueDate,
				responsible: item.responsiblePartyId
					? (names.get(item.responsiblePartyId)?.displayName ?? null)
					: null,
				recordKind: recordKindFor(item),
				progress: item.progress,
				records: records.filter((r) => r.planItemId === item.id)
			}))
		},
		followUps: followUpRows.map(({ hasLink, ...f }) => {
			const person = f.partyId ? names.get(f.partyId) : undefined;
			const state: FollowUpState = f.doneAt
				? 'done'
				: f.dueOn < today
					? 'overdue'
					: f.dueOn <= soon
						? 'due'
						: 'upcoming';
			return {
				...f,
				hasLink: hasLink !== null,
				state,
				partyName: person?.displayName ?? null,
				partyRole: person?.role ?? null,
				// The survey's answers are the party's: staff see that it was answered, not what.
				result: f.kind === FOLLOW_UP_KINDS.survey ? null : f.result
			};
		}),
		can: {
			record: can(actor, 'manageMeetings'),
			close: can(actor, 'manageCases')
		}
	};
}

export type FollowUpDetail = Awaited<ReturnType<typeof getFollowUp>>;
