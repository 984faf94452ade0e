import { and, eq, isNull } from 'drizzle-orm';
import { CONSENT_TEXTS, consentTextHash } from '#lib/cases/consent-text.ts';
import { PartyConsentSchema, StaffConsentSchema } from '#lib/cases/preparation-schemas.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database, Executor } from '../db/client.ts';
import { consents } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { ResolvedInvitation } from '../invitations/resolve-invitation.ts';
import { parseInput } from '../validation.ts';
import { visiblePrincipal } from './preparation-actor.ts';

function textOf(version: string) {
	const text = CONSENT_TEXTS[version];
	if (!text)
		throw new AppError(ERROR_CODES.invalidInput, m.error_form_invalid(), {
			textVersion: m.error_invalid()
		});
	return text;
}

async function insertConsent(
	tx: Executor,
	row: {
		caseId: string;
		partyId: string;
		version: string;
		via: 'party' | 'staff';
		by: string | null;
		at: Date;
	}
) {
	const [current] = await tx
		.select({ id: consents.id })
		.from(consents)
		.where(and(eq(consents.partyId, row.partyId), isNull(consents.withdrawnAt)));
	if (current) return false;
	await tx.insert(consents).values({
		caseId: row.caseId,
		partyId: row.partyId,
		textVersion: row.version,
		textHash: consentTextHash(textOf(row.version)),
		via: row.via,
		recordedByUserId: row.by,
		givenAt: row.at
	});
	return true;
}

/** Staff record a victim's or offender's consent, given against the version they were shown. */
export async function recordConsentByStaff(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	caseId: string,
	input: unknown
): Promise<void> {
	assertCan(actor, 'manageMeetings');
	const data = parseInput(StaffConsentSchema, input);
	textOf(data.textVersion);
	await deps.db.transaction(async (tx) => {
		const { party } = await visiblePrincipal(tx, actor, caseId, data.partyId);
		if (party.withdrawnAt) throw new AppError(ERROR_CODES.conflict, m.consent_error_withdrawn());
		const added = await insertConsent(tx, {
			caseId,
			partyId: party.id,
			version: data.textVersion,
			via: 'staff',
			by: actor.userId,
			at: deps.clock.now()
		});
		if (added)
			await recordAudit(tx, {
				programId: actor.programId,
				caseId,
				actor,
				action: AUDIT_ACTIONS.consentGiven,
				detail: { partyId: party.id, textVersion: data.textVersion, via: 'staff' }
			});
	});
}

/** A victim or offender consents from their own link, under the text they read there. */
export async function giveConsentAsParty(
	deps: { db: Database; clock: Clock },
	resolved: ResolvedInvitation,
	input: unknown,
	ip?: string
): Promise<void> {
	const data = parseInput(PartyConsentSchema, input);
	textOf(data.textVersion);
	const { party, meeting, program } = resolved;
	if (party.role !== 'victim' && party.role !== 'offender')
		throw new AppError(ERROR_CODES.forbidden, m.error_forbidden());
	if (party.withdrawnAt) throw new AppError(ERROR_CODES.conflict, m.consent_error_withdrawn());
	await deps.db.transaction(async (tx) => {
		const added = await insertConsent(tx, {
			caseId: meeting.caseId,
			partyId: party.id,
			version: data.textVersion,
			via: 'party',
			by: null,
			at: deps.clock.now()
		});
		if (added)
			await recordAudit(tx, {
				programId: program.id,
				caseId: meeting.caseId,
				actor: { kind: 'party', partyId: party.id, ip },
				action: AUDIT_ACTIONS.consentGiven,
				detail: { partyId: party.id, textVersion: data.textVersion, via: 'party' }
			});
	});
}
