import { desc, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { visibleCases, type StaffActor } from '../access/staff-access.ts';
import type { Executor } from '../db/client.ts';
import { cases, meetings, parties, user } from '../db/schema.ts';

const mediator = alias(user, 'mediator');

/** The cases this actor may see, newest first, with what a coordinator scans a list for. */
export async function listCases(executor: Executor, actor: StaffActor) {
	return executor
		.select({
			id: cases.id,
			reference: cases.reference,
			status: cases.status,
			offenseCategory: cases.offenseCategory,
			referralSource: cases.referralSource,
			offenderIsJuvenile: cases.offenderIsJuvenile,
			createdAt: cases.createdAt,
			mediatorName: mediator.name,
			parties: sql<number>`(select count(*)::int from ${parties} where ${parties.caseId} = ${cases.id})`,
			nextMeetingAt: sql<Date | null>`(select min(${meetings.scheduledAt}) from ${meetings}
				where ${meetings.caseId} = ${cases.id} and ${meetings.status} = 'scheduled'
				and ${meetings.scheduledAt} > now())`.mapWith((v) => (v ? new Date(v) : null))
		})
		.from(cases)
		.leftJoin(mediator, eq(mediator.id, cases.mediatorUserId))
		.where(visibleCases(actor))
		.orderBy(desc(cases.createdAt));
}
