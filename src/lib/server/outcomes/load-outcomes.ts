import { eq } from 'drizzle-orm';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import {
	computeOutcomes,
	isIsoDate,
	type OutcomeCase,
	type OutcomeDataset,
	type OutcomeFilter,
	type Outcomes
} from '#lib/outcomes/outcomes.ts';
import { dateIn } from '#lib/time.ts';
import { assertCan, type Program, type StaffActor } from '../access/staff-access.ts';
import type { Executor } from '../db/client.ts';
import {
	agreements,
	cases,
	followUps,
	meetings,
	parties,
	planItems,
	planRecords,
	programs,
	screenings
} from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';

/** The date filter of the outcomes page and export (`?from=YYYY-MM-DD&to=YYYY-MM-DD`). */
export function parseOutcomeFilter(params: URLSearchParams): Required<OutcomeFilter> {
	const fields: Record<string, string> = {};
	const read = (name: 'from' | 'to') => {
		const value = params.get(name)?.trim() ?? '';
		if (value === '') return null;
		if (!isIsoDate(value)) fields[name] = m.error_invalid();
		return value;
	};
	const filter = { from: read('from'), to: read('to') };
	if (Object.keys(fields).length)
		throw new AppError(ERROR_CODES.invalidInput, m.error_invalid(), fields);
	return filter;
}

/**
 * Everything the outcome figures are computed from, for the actor's own program only: every
 * query below is joined to `cases` and bound to its program. No names, contact details or free
 * text are read.
 */
export async function loadOutcomeDataset(
	deps: Pick<Deps, 'db' | 'clock'>,
	actor: StaffActor
): Promise<{ program: Program; dataset: OutcomeDataset }> {
	assertCan(actor, 'seeOutcomes');
	const db: Executor = deps.db;
	const [program] = await db.select().from(programs).where(eq(programs.id, actor.programId));
	if (!program) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	const inProgram = eq(cases.programId, program.id);

	const [
		caseRows,
		partyRows,
		meetingRows,
		agreementRows,
		itemRows,
		recordRows,
		screeningRows,
		followUpRows
	] = await Promise.all([
		db
			.select({
				id: cases.id,
				referralSource: cases.referralSource,
				referralStage: cases.referralStage,
				offenseCategory: cases.offenseCategory,
				offenderIsJuvenile: cases.offenderIsJuvenile,
				createdAt: cases.createdAt,
				closedAt: cases.closedAt,
				closure: cases.closure
			})
			.from(cases)
			.where(inProgram)
			.orderBy(cases.createdAt),
		db
			.select({
				caseId: parties.caseId,
				id: parties.id,
				role: parties.role,
				withdrawnAt: parties.withdrawnAt
			})
			.from(parties)
			.innerJoin(cases, eq(cases.id, parties.caseId))
			.where(inProgram)
			.orderBy(parties.createdAt),
		db
			.select({
				caseId: meetings.caseId,
				id: meetings.id,
				kind: meetings.kind,
				status: meetings.status,
				scheduledAt: meetings.scheduledAt,
				endedAt: meetings.endedAt,
				heldAt: meetings.heldAt
			})
			.from(meetings)
			.innerJoin(cases, eq(cases.id, meetings.caseId))
			.where(inProgram),
		db
			.select({
				caseId: agreements.caseId,
				id: agreements.id,
				meetingId: agreements.meetingId,
				status: agreements.status,
				executedAt: agreements.executedAt
			})
			.from(agreements)
			.innerJoin(cases, eq(cases.id, agreements.caseId))
			.where(inProgram),
		db
			.select({
				caseId: planItems.caseId,
				id: planItems.id,
				kind: planItems.kind,
				amountMinor: planItems.amountMinor,
				hours: planItems.hours,
				dueDate: planItems.dueDate,
				supersededAt: planItems.supersededAt
			})
			.from(planItems)
			.innerJoin(cases, eq(cases.id, planItems.caseId))
			.where(inProgram),
		db
			.select({
				caseId: planRecords.caseId,
				planItemId: planRecords.planItemId,
				kind: planRecords.kind,
				amountMinor: planRecords.amountMinor,
				hours: planRecords.hours,
				occurredOn: planRecords.occurredOn
			})
			.from(planRecords)
			.innerJoin(cases, eq(cases.id, planRecords.caseId))
			.where(inProgram),
		db
			.select({
				caseId: screenings.caseId,
				partyId: screenings.partyId,
				motivation: screenings.motivation,
				outcome: screenings.outcome
			})
			.from(screenings)
			.innerJoin(cases, eq(cases.id, screenings.caseId))
			.where(inProgram),
		db
			.select({
				caseId: followUps.caseId,
				partyId: followUps.partyId,
				kind: followUps.kind,
				dueOn: followUps.dueOn,
				doneAt: followUps.doneAt,
				result: followUps.result
			})
			.from(followUps)
			.innerJoin(cases, eq(cases.id, followUps.caseId))
			.where(inProgram)
	]);

	const byCase = new Map<string, OutcomeCase>(
		caseRows.map((row) => [
			row.id,
			{
				...row,
				parties: [],
				meetings: [],
				agreements: [],
				planItems: [],
				planRecords: [],
				screenings: [],
				followUps: []
			}
		])
	);
	const attach = <K extends keyof OutcomeCase>(
		key: K,
		rows: ({ caseId: string } & (OutcomeCase[K] extends (infer T)[] ? T : never))[]
	) => {
		for (const { caseId, ...row } of rows)
			(byCase.get(caseId)?.[key] as unknown[] | undefined)?.push(row);
	};
	attach('parties', partyRows);
	attach('meetings', meetingRows);
	attach('agreements', agreementRows);
	attach('planItems', itemRows);
	attach('planRecords', recordRows);
	attach('screenings', screeningRows);
	attach('followUps', followUpRows);

	return {
		program,
		dataset: {
			timeZone: program.timeZone,
			asOf: dateIn(deps.clock.now(), program.timeZone),
			reoffendingMonths: program.reoffendingMonths,
			cases: [...byCase.values()]
		}
	};
}

/** The program's outcome figures over the cases referred within the filter's dates. */
export async function loadOutcomes(
	deps: Pick<Deps, 'db' | 'clock'>,
	actor: StaffActor,
	filter: OutcomeFilter
): Promise<{ outcomes: Outcomes; asOf: string }> {
	const { dataset } = await loadOutcomeDataset(deps, actor);
	return { outcomes: computeOutcomes(dataset, filter), asOf: dataset.asOf };
}
