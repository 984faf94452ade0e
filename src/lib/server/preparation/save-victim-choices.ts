import { and, eq } from 'drizzle-orm';
import { ProposeTimesSchema, VictimChoicesSchema } from '#lib/cases/preparation-schemas.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { zonedToInstant } from '#lib/time.ts';
import { assertCan, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit, type AuditActor } from '../audit/record-audit.ts';
import type { Database, Executor } from '../db/client.ts';
import { meetings, programs, victimChoices } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { ResolvedInvitation } from '../invitations/resolve-invitation.ts';
import { parseInput } from '../validation.ts';
import { visiblePrincipal } from './preparation-actor.ts';

/**
 * The victim's choices about the joint meeting, asked and respected: saved by the victim from
 * their link or by staff on their word. Who speaks first is applied to the case's joint
 * meetings that have not happened yet.
 */
async function save(
	tx: Executor,
	target: {
		caseId: string;
		partyId: string;
		programId: string;
		via: 'party' | 'staff';
		actor: AuditActor;
	},
	input: unknown
) {
	const data = parseInput(VictimChoicesSchema, input);
	const [current] = await tx
		.select()
		.from(victimChoices)
		.where(eq(victimChoices.partyId, target.partyId));
	let chosenTime = current?.chosenTime ?? null;
	if (data.proposedPick) {
		if (!current?.proposedTimes.includes(data.proposedPick))
			throw new AppError(ERROR_CODES.invalidInput, m.error_form_invalid(), {
				proposedPick: m.error_choose_option()
			});
		chosenTime = new Date(data.proposedPick);
	}
	const values = {
		caseId: target.caseId,
		chosenTime,
		mode: data.mode ?? null,
		attendees: data.attendees,
		firstSpeaker: data.firstSpeaker ?? null,
		onCamera: data.onCamera === undefined ? null : data.onCamera === 'yes',
		restitutionUpdates: data.restitutionUpdates ?? null,
		updatedVia: target.via
	};
	await tx
		.insert(victimChoices)
		.values({ partyId: target.partyId, ...values })
		.onConflictDoUpdate({ target: victimChoices.partyId, set: values });
	if (data.firstSpeaker)
		await tx
			.update(meetings)
			.set({ firstSpeaker: data.firstSpeaker })
			.where(
				and(
					eq(meetings.caseId, target.caseId),
					eq(meetings.kind, 'joint'),
					eq(meetings.status, 'scheduled')
				)
			);
	await recordAudit(tx, {
		programId: target.programId,
		caseId: target.caseId,
		actor: target.actor,
		action: AUDIT_ACTIONS.victimChoicesUpdated,
		detail: {
			partyId: target.partyId,
			via: target.via,
			fields: Object.keys(values).filter((k) => k !== 'caseId' && k !== 'updatedVia')
		}
	});
}

export async function saveVictimChoicesAsParty(
	deps: { db: Database },
	resolved: ResolvedInvitation,
	input: unknown,
	ip?: string
): Promise<void> {
	if (resolved.party.role !== 'victim')
		throw new AppError(ERROR_CODES.forbidden, m.error_forbidden());
	await deps.db.transaction((tx) =>
		save(
			tx,
			{
				caseId: resolved.meeting.caseId,
				partyId: resolved.party.id,
				programId: resolved.program.id,
				via: 'party',
				actor: { kind: 'party', partyId: resolved.party.id, ip }
			},
			input
		)
	);
}

export async function saveVictimChoicesByStaff(
	deps: { db: Database },
	actor: StaffActor,
	caseId: string,
	partyId: string,
	input: unknown
): Promise<void> {
	assertCan(actor, 'manageMeetings');
	await deps.db.transaction(async (tx) => {
		const { party } = await visiblePrincipal(tx, actor, caseId, partyId);
		if (party.role !== 'victim') throw new AppError(ERROR_CODES.invalidInput, m.error_invalid());
		await save(tx, { caseId, partyId, programId: actor.programId, via: 'staff', actor }, input);
	});
}

/** Staff offer the victim up to five times for the joint meeting (program time zone). */
export async function proposeTimes(
	deps: { db: Database },
	actor: StaffActor,
	caseId: string,
	input: unknown
): Promise<void> {
	assertCan(actor, 'manageMeetings');
	const data = parseInput(ProposeTimesSchema, input);
	await deps.db.transaction(async (tx) => {
		const { party } = await visiblePrincipal(tx, actor, caseId, data.partyId);
		if (party.role !== 'victim') throw new AppError(ERROR_CODES.invalidInput, m.error_invalid());
		const [program] = await tx
			.select({ timeZone: programs.timeZone })
			.from(programs)
			.where(eq(programs.id, actor.programId));
		const times = data.times.map((t) => zonedToInstant(t, program!.timeZone).toISOString());
		await tx
			.insert(victimChoices)
			.values({ partyId: party.id, caseId, proposedTimes: times, updatedVia: 'staff' })
			.onConflictDoUpdate({
				target: victimChoices.partyId,
				set: { proposedTimes: times, chosenTime: null }
			});
		await recordAudit(tx, {
			programId: actor.programId,
			caseId,
			actor,
			action: AUDIT_ACTIONS.victimChoicesUpdated,
			detail: { partyId: party.id, via: 'staff', fields: ['proposedTimes'] }
		});
	});
}
