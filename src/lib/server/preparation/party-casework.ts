import { and, eq, isNull } from 'drizzle-orm';
import {
	CONSENT_TEXTS,
	CURRENT_CONSENT_VERSION,
	type ConsentText
} from '#lib/cases/consent-text.ts';
import type { Executor } from '../db/client.ts';
import { consents, victimChoices } from '../db/schema.ts';
import type { ResolvedInvitation } from '../invitations/resolve-invitation.ts';

/**
 * What a victim or offender handles from their own link besides the meeting: their consent
 * (the current text, or the version they agreed to), the victim's choices, withdrawal.
 * Their own answers only; nothing about the other side.
 */
export interface PartyCasework {
	role: 'victim' | 'offender';
	withdrawn: boolean;
	consent: { given: true; version: string; givenAt: Date } | { given: false; text: ConsentText };
	choices: {
		proposedTimes: string[];
		chosenTime: string | null;
		mode: string | null;
		attendees: string;
		firstSpeaker: string | null;
		onCamera: boolean | null;
		restitutionUpdates: string | null;
	} | null;
}

export async function partyCasework(
	executor: Executor,
	resolved: ResolvedInvitation
): Promise<PartyCasework | null> {
	const { party } = resolved;
	if (party.role !== 'victim' && party.role !== 'offender') return null;
	const [consent] = await executor
		.select()
		.from(consents)
		.where(and(eq(consents.partyId, party.id), isNull(consents.withdrawnAt)));
	const [choices] =
		party.role === 'victim'
			? await executor.select().from(victimChoices).where(eq(victimChoices.partyId, party.id))
			: [];
	return {
		role: party.role,
		withdrawn: party.withdrawnAt !== null,
		consent: consent
			? { given: true, version: consent.textVersion, givenAt: consent.givenAt }
			: { given: false, text: CONSENT_TEXTS[CURRENT_CONSENT_VERSION]! },
		choices:
			party.role === 'victim'
				? {
						proposedTimes: choices?.proposedTimes ?? [],
						chosenTime: choices?.chosenTime?.toISOString() ?? null,
						mode: choices?.mode ?? null,
						attendees: choices?.attendees ?? '',
						firstSpeaker: choices?.firstSpeaker ?? null,
						onCamera: choices?.onCamera ?? null,
						restitutionUpdates: choices?.restitutionUpdates ?? null
					}
				: null
	};
}
