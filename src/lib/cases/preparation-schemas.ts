import { z } from 'zod';
import {
	ATTENDANCE_MODES,
	CONCERN_LEVELS,
	GATE_MODES,
	READINESS,
	RESTITUTION_UPDATES,
	SCREENING_OUTCOMES
} from './casework.ts';
import { values } from './vocabulary.ts';
import { zCheckbox, zLocalDateTime } from './schemas.ts';

/** What staff and parties submit before the joint session. Messages are message keys. */

const optionalText = (max: number) => z.string().trim().max(max).optional();

export const ScreeningSchema = z
	.object({
		partyId: z.uuid(),
		readiness: z.enum(values(READINESS)),
		safetyConcerns: z.enum(values(CONCERN_LEVELS)),
		safetyNotes: z.string().trim().max(2000).default(''),
		powerImbalance: z.enum(values(CONCERN_LEVELS)),
		needsInterpreter: zCheckbox,
		interpreterLanguage: optionalText(60),
		needsSupportPerson: zCheckbox,
		/** The offender's motivation on the fixed 1–5 scale. */
		motivation: z.coerce.number().int().min(1).max(5).optional(),
		outcome: z.enum(values(SCREENING_OUTCOMES)),
		outcomeReason: optionalText(1000)
	})
	.superRefine((input, ctx) => {
		if (
			(input.outcome === 'not_suitable' || input.outcome === 'refer_elsewhere') &&
			!input.outcomeReason
		)
			ctx.addIssue({ code: 'custom', path: ['outcomeReason'], message: 'error_reason_required' });
		if (input.needsInterpreter && !input.interpreterLanguage)
			ctx.addIssue({
				code: 'custom',
				path: ['interpreterLanguage'],
				message: 'error_interpreter_language'
			});
	});

/** Staff record a consent given on paper or by phone, against the text version shown. */
export const StaffConsentSchema = z.object({
	partyId: z.uuid(),
	textVersion: z.string().min(1).max(40),
	confirmShown: z.preprocess(
		(v) => v === 'on' || v === 'true' || v === true,
		z.literal(true, { message: 'error_consent_shown' })
	)
});

/** A party consents from their own link: they tick the box under the text they read. */
export const PartyConsentSchema = z.object({
	textVersion: z.string().min(1).max(40),
	agree: z.preprocess(
		(v) => v === 'on' || v === true,
		z.literal(true, { message: 'error_agree_required' })
	)
});

export const WithdrawalSchema = z.object({
	partyId: z.uuid(),
	reason: z.string().trim().max(500).default('')
});

export const MeetingHeldSchema = z.object({
	meetingId: z.uuid(),
	mode: z.enum(values(ATTENDANCE_MODES))
});

export const GateOverrideSchema = z.object({
	reason: z.string().trim().min(10, 'error_override_reason').max(1000)
});

/** "6, 30" → [6, 30]: distinct whole numbers in a range, in order. */
const numberList = (min: number, max: number, message: string) =>
	z
		.string()
		.trim()
		.transform((text) => text.split(/[\s,;]+/).filter(Boolean))
		.pipe(z.array(z.string().regex(/^\d+$/, message)).min(1, message).max(6, message))
		.transform((items) => [...new Set(items.map(Number))].sort((a, b) => a - b))
		.pipe(z.array(z.number().int().min(min, message).max(max, message)));

export const ProgramSettingsSchema = z.object({
	readinessGate: z.enum(values(GATE_MODES)),
	/** Months after the joint meeting at which reoffending is looked up. */
	reoffendingMonths: numberList(1, 120, 'error_months_list'),
	/** Days after the joint meeting at which each party is contacted. */
	checkInDays: numberList(1, 730, 'error_days_list')
});

/** The victim's choices; every answer optional (asked, never forced). */
export const VictimChoicesSchema = z.object({
	proposedPick: z.string().max(40).optional(),
	mode: z.enum(values(ATTENDANCE_MODES)).optional(),
	attendees: z.string().trim().max(500).default(''),
	firstSpeaker: z.enum(['victim', 'offender']).optional(),
	onCamera: z.enum(['yes', 'no']).optional(),
	restitutionUpdates: z.enum(values(RESTITUTION_UPDATES)).optional()
});

/** Staff propose times the victim chooses from. */
export const ProposeTimesSchema = z.object({
	partyId: z.uuid(),
	times: z.array(zLocalDateTime).min(1).max(5)
});
