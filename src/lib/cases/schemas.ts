import { z } from 'zod';
import { PARTY_ROLES } from '../protocol/roles.ts';
import {
	MEETING_KINDS,
	OFFENSE_CATEGORIES,
	REFERRAL_SOURCES,
	REFERRAL_STAGES,
	values
} from './vocabulary.ts';

/**
 * Schemas of what staff submit about a case. Messages are message keys (see messages/en.json),
 * translated where the error is shown.
 */

/** A checkbox: present ("on") or absent. */
export const zCheckbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean());

const optionalText = (max: number) => z.string().trim().max(max).optional();

/** "1250" or "1250.5" or "1,250.50" in major units → integer minor units (cents). */
export const zMoney = z
	.string()
	.trim()
	.transform((s) => s.replace(/,/g, ''))
	.pipe(z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, 'error_money'))
	.transform((s) => Math.round(Number(s) * 100));

export const PartyInputSchema = z.object({
	/** Present when editing an existing party. */
	id: z.uuid().optional(),
	role: z.enum(values(PARTY_ROLES)),
	displayName: z.string().trim().min(1).max(120),
	email: z.email().max(254).optional(),
	phone: z
		.string()
		.trim()
		.max(40)
		.regex(/^\+?[\d\s().-]{5,}$/, 'error_phone')
		.optional(),
	address: optionalText(500),
	/** Index, in the submitted list, of the victim or offender a guardian or support person accompanies. */
	accompanies: z.coerce.number().int().min(0).optional()
});
export type TPartyInput = z.infer<typeof PartyInputSchema>;

const accompanied = new Set<string>([PARTY_ROLES.victim, PARTY_ROLES.offender]);

/**
 * The people of a case, checked as a list: at least one victim and one offender, and each
 * companion pointing at one of them. On the list (not the whole form) so that these messages
 * come together with those of other fields, not in a second round.
 */
export const PartyListSchema = z
	.array(PartyInputSchema)
	.min(2)
	.max(16)
	.superRefine((list, ctx) => {
		const roles = list.map((p) => p.role);
		if (!roles.includes(PARTY_ROLES.victim))
			ctx.addIssue({ code: 'custom', path: [], message: 'error_needs_victim' });
		if (!roles.includes(PARTY_ROLES.offender))
			ctx.addIssue({ code: 'custom', path: [], message: 'error_needs_offender' });
		list.forEach((party, i) => {
			const isCompanion = party.role === PARTY_ROLES.guardian || party.role === PARTY_ROLES.support;
			const target = party.accompanies === undefined ? undefined : list[party.accompanies];
			if (isCompanion && (!target || !accompanied.has(target.role) || party.accompanies === i))
				ctx.addIssue({ code: 'custom', path: [i, 'accompanies'], message: 'error_accompanies' });
		});
	});

export const CaseInputSchema = z.object({
	referralSource: z.enum(values(REFERRAL_SOURCES)),
	referralStage: z.enum(values(REFERRAL_STAGES)),
	offenseCategory: z.enum(values(OFFENSE_CATEGORIES)),
	description: z.string().trim().min(1).max(4000),
	offenderIsJuvenile: zCheckbox,
	lossesClaimed: zMoney.optional().default(0),
	parties: PartyListSchema
});
export type TCaseInput = z.infer<typeof CaseInputSchema>;

export const AssignMediatorSchema = z.object({ mediatorUserId: z.string().min(1).max(64) });

/** `YYYY-MM-DDTHH:mm` as a datetime-local input sends it, read in the program's time zone. */
export const zLocalDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'error_datetime');

export const MeetingInputSchema = z
	.object({
		kind: z.enum(values(MEETING_KINDS)),
		partyId: z.uuid().optional(),
		scheduledAt: zLocalDateTime,
		durationMinutes: z.coerce.number().int().min(15).max(480).default(90),
		/** In a joint session, whose account comes first: the victim's choice. */
		firstSpeaker: z.enum(['victim', 'offender']).default('victim')
	})
	.superRefine((input, ctx) => {
		if (input.kind === MEETING_KINDS.preparation && !input.partyId)
			ctx.addIssue({ code: 'custom', path: ['partyId'], message: 'error_prep_party' });
	});
export type TMeetingInput = z.infer<typeof MeetingInputSchema>;

export const IssueInvitationSchema = z.object({
	partyId: z.uuid(),
	withAccessCode: zCheckbox
});

export const AccessCodeSchema = z.object({
	code: z
		.string()
		.trim()
		.regex(/^\d{6}$/, 'error_access_code_format')
});
