import { and, asc, eq, gte, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import { itemProgress, addDays, PLAN_STATUSES } from '../../cases/plan-status.ts';
import { MEETING_STATUSES } from '../../cases/vocabulary.ts';
import { NOTIFICATION_STATUSES, RESTITUTION_UPDATES } from '../../cases/casework.ts';
import { STAFF_ROLES } from '../../protocol/roles.ts';
import { dateIn } from '../../time.ts';
import type { Clock } from '../clock.ts';
import type { Database, Executor } from '../db/client.ts';
import {
	cases,
	invitations,
	meetings,
	memberships,
	notifications,
	parties,
	planItems,
	planRecords,
	programs,
	staffInvitations,
	user,
	victimChoices
} from '../db/schema.ts';
import type { Logger } from '../log.ts';
import type { PublicUrl } from '../public-url.ts';
import { pendingCondition } from '../staff/staff-invitations.ts';
import {
	overdueMessage,
	planReminderMessage,
	victimCompletionMessage,
	victimRecordMessage
} from './compose.ts';
import {
	enqueueForParty,
	enqueueForStaff,
	type EnqueueResult,
	type Message,
	type Target
} from './enqueue.ts';
import { foldLine } from './ics.ts';
import type { Transports } from './transports.ts';

export const SWEEP_INTERVAL_MS = 30_000;
/**
 * How often the timer also looks for reminders and notices to create: they depend on dates,
 * not on seconds, and looking means reading every open case's plan.
 */
export const NOTICES_INTERVAL_MS = 10 * 60_000;
/** A notification that failed this many times is left `failed` for staff to retry. */
export const MAX_ATTEMPTS = 5;
/** How long a claimed row is held by the sweep that claimed it (a crash frees it after this). */
const CLAIM_MS = 10 * 60_000;
const BATCH = 50;
export const PLAN_REMINDER_DAYS = 3;
/** Records older than this when first seen do not make a victim update (no flood at start). */
const VICTIM_UPDATE_WINDOW_MS = 14 * 24 * 60 * 60_000;

export interface SweepDeps {
	db: Database;
	clock: Clock;
	publicUrl: Pick<PublicUrl, 'href'>;
	transports: Transports;
	log?: Logger;
}

/** Wait before the next attempt after `attempts` failures: 1, 2, 4 … minutes, at most an hour. */
export function retryDelayMs(attempts: number): number {
	return Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, attempts - 1));
}

export interface SweepReport {
	created: number;
	sent: number;
	failed: number;
	retrying: number;
	cancelled: number;
}

/** One pass: creates the reminders that are due, then sends what is due. */
export async function sweepNotifications(deps: SweepDeps): Promise<SweepReport> {
	const created = await createDueNotices(deps);
	return { created, ...(await sendDue(deps)) };
}

/**
 * The link a message carries (an invitation's, a survey's, an invitation to the staff's),
 * replaced once sent: only the person's inbox keeps it.
 */
const JOIN_LINK = /\/(join|survey|staff-invitation)\/[A-Za-z0-9_-]+/g;
const SCRUBBED = '/$1/[sent]';
function scrubIcs(ics: string): string {
	return ics
		.replace(/\r\n /g, '')
		.split('\r\n')
		.map((line) => foldLine(line.replace(JOIN_LINK, SCRUBBED)))
		.join('\r\n');
}

/** Still worth sending? An invitation's messages need the link alive and the meeting ahead. */
async function stillValid(
	db: Database,
	row: typeof notifications.$inferSelect,
	now: Date
): Promise<boolean> {
	if (row.partyId) {
		const [party] = await db
			.select({ withdrawnAt: parties.withdrawnAt })
			.from(parties)
			.where(eq(parties.id, row.partyId));
		if (!party || party.withdrawnAt) return false;
	}
	const staffInvite = /^staff-invite:([0-9a-f-]{36}):/.exec(row.dedupeKey ?? '');
	if (staffInvite) {
		const [invitation] = await db
			.select({ id: staffInvitations.id })
			.from(staffInvitations)
			.where(and(eq(staffInvitations.id, staffInvite[1]), pendingCondition(now)));
		return !!invitation;
	}
	const match = /^(invite|reminder):([0-9a-f-]{36}):/.exec(row.dedupeKey ?? '');
	if (!match) return true;
	const [invitation] = await db
		.select({
			revokedAt: invitations.revokedAt,
			expiresAt: invitations.expiresAt,
			status: meetings.status
		})
		.from(invitations)
		.innerJoin(meetings, eq(meetings.id, invitations.meetingId))
		.where(eq(invitations.id, match[2]));
	return (
		!!invitation &&
		!invitation.revokedAt &&
		invitation.expiresAt > now &&
		(invitation.status === MEETING_STATUSES.scheduled ||
			invitation.status === MEETING_STATUSES.live)
	);
}

async function sendDue(deps: SweepDeps): Promise<Omit<SweepReport, 'created'>> {
	const report = { sent: 0, failed: 0, retrying: 0, cancelled: 0 };
	const now = deps.clock.now();
	const isDue = and(
		eq(notifications.status, NOTIFICATION_STATUSES.queued),
		lte(notifications.sendAfter, now)
	);
	// The claim: one UPDATE moves the rows out of reach (sendAfter ahead) and counts the
	// attempt. A concurrent sweep re-checks the WHERE against the updated rows and skips them,
	// so a notification is handed to a transport once, on PGlite and PostgreSQL alike.
	const claimed = await deps.db
		.update(notifications)
		.set({
			attempts: sql`${notifications.attempts} + 1`,
			sendAfter: new Date(now.getTime() + CLAIM_MS)
		})
		.where(
			and(
				isDue,
				inArray(
					notifications.id,
					deps.db
						.select({ id: notifications.id })
						.from(notifications)
						.where(isDue)
						.orderBy(asc(notifications.sendAfter))
						.limit(BATCH)
				)
			)
		)
		.returning();

	for (const row of claimed) {
		const transport = deps.transports[row.channel];
		if (!(await stillValid(deps.db, row, now))) {
			await deps.db
				.update(notifications)
				.set({ status: NOTIFICATION_STATUSES.cancelled, lastError: 'no longer valid' })
				.where(eq(notifications.id, row.id));
			report.cancelled += 1;
			continue;
		}
		if (!transport) {
			await deps.db
				.update(notifications)
				.set({ status: NOTIFICATION_STATUSES.outboxOnly })
				.where(eq(notifications.id, row.id));
			continue;
		}
		try {
			await transport.send(row);
			await deps.db
				.update(notifications)
				.set({
					status: NOTIFICATION_STATUSES.sent,
					sentAt: deps.clock.now(),
					lastError: null,
					body: row.body.replace(JOIN_LINK, SCRUBBED),
					ics: row.ics ? scrubIcs(row.ics) : null
				})
				.where(eq(notifications.id, row.id));
			report.sent += 1;
		} catch (error) {
			const lastError = String(error instanceof Error ? error.message : error).slice(0, 500);
			const final = row.attempts >= MAX_ATTEMPTS;
			await deps.db
				.update(notifications)
				.set(
					final
						? { status: NOTIFICATION_STATUSES.failed, lastError }
						: { sendAfter: new Date(now.getTime() + retryDelayMs(row.attempts)), lastError }
				)
				.where(eq(notifications.id, row.id));
			deps.log?.warn('notification not sent', {
				notificationId: row.id,
				attempts: row.attempts,
				final,
				error: lastError
			});
			if (final) report.failed += 1;
			else report.retrying += 1;
		}
	}
	return report;
}

const SYSTEM = { kind: 'system' } as const;

interface Candidate {
	key: string;
	make(executor: Executor): Promise<EnqueueResult>;
}

/** Plan reminders, overdue notices and victim updates that are due and not yet made. */
export async function createDueNotices(deps: SweepDeps): Promise<number> {
	const now = deps.clock.now();
	const candidates: Candidate[] = [];
	const notify = { clock: deps.clock, transports: deps.transports };
	/**
	 * A message to a party, made once under its key (the key says what and when); composed
	 * only if no message with that key exists yet.
	 */
	const toParty = (
		key: string,
		target: Omit<Target, 'dedupeKey'>,
		party: Parameters<typeof enqueueForParty>[3],
		compose: () => Message
	): Candidate => ({
		key,
		make: (db) => enqueueForParty(db, notify, { ...target, dedupeKey: key }, party, compose())
	});

	const itemRows = await deps.db
		.select({ item: planItems, program: programs, case: cases })
		.from(planItems)
		.innerJoin(cases, eq(cases.id, planItems.caseId))
		.innerJoin(programs, eq(programs.id, cases.programId))
		.where(and(isNull(planItems.supersededAt), isNull(cases.closedAt)));
	const caseIds = [...new Set(itemRows.map((r) => r.case.id))];
	const records = caseIds.length
		? await deps.db.select().from(planRecords).where(inArray(planRecords.caseId, caseIds))
		: [];
	const partyIds = [
		...new Set(
			itemRows.flatMap((r) => (r.item.responsiblePartyId ? [r.item.responsiblePartyId] : []))
		)
	];
	const partyById = new Map(
		(partyIds.length
			? await deps.db.select().from(parties).where(inArray(parties.id, partyIds))
			: []
		).map((p) => [p.id, p])
	);
	const programIds = [...new Set(itemRows.map((r) => r.program.id))];
	const coordinators = programIds.length
		? await deps.db
				.select({
					programId: memberships.programId,
					id: user.id,
					name: user.name,
					email: user.email
				})
				.from(memberships)
				.innerJoin(user, eq(user.id, memberships.userId))
				.where(
					and(
						inArray(memberships.programId, programIds),
						eq(memberships.role, STAFF_ROLES.coordinator)
					)
				)
		: [];
	const mediatorIds = [
		...new Set(itemRows.flatMap((r) => (r.case.mediatorUserId ? [r.case.mediatorUserId] : [])))
	];
	const mediators = new Map(
		(mediatorIds.length
			? await deps.db
					.select({ id: user.id, name: user.name, email: user.email })
					.from(user)
					.where(inArray(user.id, mediatorIds))
			: []
		).map((u) => [u.id, u])
	);

	// Current plan per case, for "all completed".
	const itemsByCase = new Map<string, typeof itemRows>();
	for (const row of itemRows) {
		const list = itemsByCase.get(row.case.id) ?? [];
		list.push(row);
		itemsByCase.set(row.case.id, list);
	}

	for (const { item, program, case: caseRow } of itemRows) {
		if (!item.dueDate) continue;
		const today = dateIn(now, program.timeZone);
		const status = itemProgress(item, records, today).status;
		if (status === PLAN_STATUSES.completed) continue;
		const dueDate = item.dueDate;
		const target = { programId: program.id, caseId: caseRow.id, actor: SYSTEM };
		const messageItem = { ...item, dueDate };

		const party = item.responsiblePartyId ? partyById.get(item.responsiblePartyId) : undefined;
		if (party && today >= addDays(dueDate, -PLAN_REMINDER_DAYS) && today <= dueDate) {
			candidates.push(
				toParty(`plan-reminder:${item.id}:${dueDate}`, target, party, () =>
					planReminderMessage({ program, partyName: party.displayName, item: messageItem })
				)
			);
		}
		if (status === PLAN_STATUSES.overdue) {
			const staff = new Map<string, { id: string; name: string; email: string }>();
			const mediator = caseRow.mediatorUserId ? mediators.get(caseRow.mediatorUserId) : undefined;
			if (mediator) staff.set(mediator.id, mediator);
			for (const c of coordinators) if (c.programId === program.id) staff.set(c.id, c);
			const caseLink = `${deps.publicUrl.href}/staff/${program.slug}/cases/${caseRow.id}`;
			for (const member of staff.values()) {
				const key = `plan-overdue:${item.id}:${dueDate}:${member.id}`;
				const message: Message = overdueMessage({
					program,
					staffName: member.name,
					caseReference: caseRow.reference,
					item: messageItem,
					caseLink
				});
				candidates.push({
					key,
					make: (db) => enqueueForStaff(db, notify, { ...target, dedupeKey: key }, member, message)
				});
			}
		}
	}

	// Victim updates, as each victim chose.
	const victims = await deps.db
		.select({ party: parties, choice: victimChoices.restitutionUpdates, program: programs })
		.from(victimChoices)
		.innerJoin(parties, eq(parties.id, victimChoices.partyId))
		.innerJoin(cases, eq(cases.id, victimChoices.caseId))
		.innerJoin(programs, eq(programs.id, cases.programId))
		.where(
			and(
				isNotNull(victimChoices.restitutionUpdates),
				inArray(victimChoices.restitutionUpdates, [
					RESTITUTION_UPDATES.every,
					RESTITUTION_UPDATES.completion
				]),
				isNull(cases.closedAt),
				isNull(parties.withdrawnAt)
			)
		);
	for (const { party, choice, program } of victims) {
		const target = { programId: program.id, caseId: party.caseId, actor: SYSTEM };
		if (choice === RESTITUTION_UPDATES.every) {
			const recent = await deps.db
				.select({ record: planRecords, description: planItems.description })
				.from(planRecords)
				.innerJoin(planItems, eq(planItems.id, planRecords.planItemId))
				.where(
					and(
						eq(planRecords.caseId, party.caseId),
						gte(planRecords.createdAt, new Date(now.getTime() - VICTIM_UPDATE_WINDOW_MS))
					)
				);
			for (const { record, description } of recent) {
				candidates.push(
					toParty(`victim-update:${record.id}:${party.id}`, target, party, () =>
						victimRecordMessage({
							program,
							partyName: party.displayName,
							record,
							itemDescription: description
						})
					)
				);
			}
		} else {
			const plan = itemsByCase.get(party.caseId) ?? [];
			if (plan.length === 0) continue;
			const today = dateIn(now, program.timeZone);
			const allDone = plan.every(
				({ item }) => itemProgress(item, records, today).status === PLAN_STATUSES.completed
			);
			if (!allDone) continue;
			candidates.push(
				toParty(`victim-completion:${plan[0].item.agreementId}:${party.id}`, target, party, () =>
					victimCompletionMessage({ program, partyName: party.displayName })
				)
			);
		}
	}

	if (candidates.length === 0) return 0;
	const existing = new Set(
		(
			await deps.db
				.select({ key: notifications.dedupeKey })
				.from(notifications)
				.where(
					inArray(
						notifications.dedupeKey,
						candidates.map((c) => c.key)
					)
				)
		).map((r) => r.key)
	);
	let created = 0;
	for (const candidate of candidates) {
		if (existing.has(candidate.key)) continue;
		const result = await deps.db.transaction((tx) => candidate.make(tx));
		if (result.queued) created += 1;
	}
	return created;
}

export interface Sweeper {
	/** One pass now (tests call this); waits for a pass already running instead of overlapping. */
	runOnce(): Promise<SweepReport | null>;
	stop(): Promise<void>;
}

/** Every 30 s while the host runs; the timer does not keep the process alive. */
export function startSweeper(deps: SweepDeps, intervalMs = SWEEP_INTERVAL_MS): Sweeper {
	let running: Promise<SweepReport | null> | null = null;
	let noticesAt = Number.NEGATIVE_INFINITY;
	const sweep = async (full: boolean): Promise<SweepReport> => {
		const now = deps.clock.now().getTime();
		if (!full && now - noticesAt < NOTICES_INTERVAL_MS)
			return { created: 0, ...(await sendDue(deps)) };
		noticesAt = now;
		return sweepNotifications(deps);
	};
	const run = (full = false) => {
		running ??= sweep(full)
			.catch((error: unknown) => {
				deps.log?.error('notification sweep failed', { error });
				return null;
			})
			.finally(() => {
				running = null;
			});
		return running;
	};
	const timer = setInterval(() => void run(), intervalMs);
	timer.unref();
	return {
		runOnce: async () => {
			if (running) await running;
			return run(true);
		},
		stop: async () => {
			clearInterval(timer);
			if (running) await running;
		}
	};
}
