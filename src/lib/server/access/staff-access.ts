import { and, asc, eq, type SQL } from 'drizzle-orm';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { STAFF_ROLES, type StaffRole } from '#lib/protocol/roles.ts';
import * as m from '#lib/paraglide/messages.js';
import type { Actor } from '../audit/actor.ts';
import type { Executor } from '../db/client.ts';
import { cases, memberships, programs } from '../db/schema.ts';
import { AppError } from '../errors.ts';

export type StaffActor = Extract<Actor, { kind: 'staff' }>;
export type Program = typeof programs.$inferSelect;
export type CaseRow = typeof cases.$inferSelect;

/** What each staff role may do within its own program. Nothing crosses programs, ever. */
export const PERMISSIONS = {
	/** Take referrals, edit them, assign mediators. */
	manageCases: [STAFF_ROLES.admin, STAFF_ROLES.coordinator],
	/** See every case of the program; a mediator sees only the cases assigned to them. */
	seeAllCases: [STAFF_ROLES.admin, STAFF_ROLES.coordinator],
	/** Schedule meetings and issue or revoke invitations, on the cases one can see. */
	manageMeetings: [STAFF_ROLES.admin, STAFF_ROLES.coordinator, STAFF_ROLES.mediator],
	manageStaff: [STAFF_ROLES.admin],
	/** The program's outcome figures and their de-identified export (not needed to mediate). */
	seeOutcomes: [STAFF_ROLES.admin, STAFF_ROLES.coordinator],
	/** See everything the program sends, cancel or retry it (messages span all cases). */
	manageOutbox: [STAFF_ROLES.admin, STAFF_ROLES.coordinator]
} as const satisfies Record<string, readonly StaffRole[]>;
export type Permission = keyof typeof PERMISSIONS;

export function can(actor: StaffActor, permission: Permission): boolean {
	return (PERMISSIONS[permission] as readonly StaffRole[]).includes(actor.role);
}

export function assertCan(actor: StaffActor, permission: Permission): void {
	if (!can(actor, permission)) throw new AppError(ERROR_CODES.forbidden, m.error_forbidden());
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

/**
 * Whether this actor may see a case they have already read (the rule of `visibleCases`, for a
 * row in hand: a case of their program, and assigned to them unless they see all cases).
 */
export function seesCase(
	actor: StaffActor,
	row: { programId: string; mediatorUserId: string | null }
): boolean {
	return (
		row.programId === actor.programId &&
		(can(actor, 'seeAllCases') || row.mediatorUserId === actor.userId)
	);
}

/** The condition every case query of this actor carries (the rule of `seesCase`). */
export function visibleCases(actor: StaffActor): SQL {
	const inProgram = eq(cases.programId, actor.programId);
	return can(actor, 'seeAllCases')
		? inProgram
		: (and(inProgram, eq(cases.mediatorUserId, actor.userId)) as SQL);
}

/**
 * The case, if this actor may see it. A case of another program, or not assigned to this
 * mediator, is answered exactly like one that does not exist: its existence is not revealed.
 */
export async function findVisibleCase(
	executor: Executor,
	actor: StaffActor,
	caseId: string
): Promise<CaseRow> {
	if (!isUuid(caseId)) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	const [row] = await executor
		.select()
		.from(cases)
		.where(and(eq(cases.id, caseId), visibleCases(actor)));
	if (!row) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	return row;
}

export interface StaffContext {
	actor: StaffActor;
	program: Program;
}

/** The signed-in user's standing in the program named by `slug`, or null if they have none. */
export async function loadStaffContext(
	executor: Executor,
	user: { id: string; name: string },
	slug: string,
	ip?: string
): Promise<StaffContext | null> {
	const [row] = await executor
		.select({ program: programs, role: memberships.role })
		.from(memberships)
		.innerJoin(programs, eq(programs.id, memberships.programId))
		.where(and(eq(memberships.userId, user.id), eq(programs.slug, slug)));
	if (!row) return null;
	return {
		program: row.program,
		actor: {
			kind: 'staff',
			userId: user.id,
			name: user.name,
			programId: row.program.id,
			role: row.role,
			ip
		}
	};
}

/** The programs a user works in, for choosing one after sign-in. */
export async function listProgramsOf(executor: Executor, userId: string) {
	return executor
		.select({ slug: programs.slug, name: programs.name, role: memberships.role })
		.from(memberships)
		.innerJoin(programs, eq(programs.id, memberships.programId))
		.where(eq(memberships.userId, userId))
		.orderBy(asc(programs.name));
}
