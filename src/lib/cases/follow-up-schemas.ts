import { z } from 'zod';
import { CASE_CLOSURES, PLAN_RECORD_KINDS, REOFFENDING_SOURCES } from './casework.ts';
import { values } from './vocabulary.ts';

/**
 * Schemas of what staff record after the agreement (payments, hours, follow-up results,
 * closure) and of what a party answers in the satisfaction survey. Messages are message keys.
 */

const zDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'error_date');

/** "12.50" in major units → 1250 minor units; more than nothing. */
const zPositiveMoney = z
	.string()
	.trim()
	.transform((s) => s.replace(/,/g, ''))
	.pipe(z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, 'error_money'))
	.transform((s) => Math.round(Number(s) * 100))
	.pipe(z.number().int().min(1, 'error_amount_positive'));

/** Quarter hours, from a quarter to a thousand. */
const zHours = z
	.string()
	.trim()
	.regex(/^\d{1,4}(\.\d{1,2})?$/, 'error_hours')
	.transform(Number)
	.pipe(
		z
			.number()
			.min(0.25, 'error_hours')
			.max(1000, 'error_hours')
			.refine((h) => Number.isInteger(h * 4), 'error_hours')
	);

const zNote = z.string().trim().max(500).optional().default('');

export const PlanRecordSchema = z.discriminatedUnion('kind', [
	z.object({
		planItemId: z.uuid(),
		kind: z.literal(PLAN_RECORD_KINDS.payment),
		amount: zPositiveMoney,
		occurredOn: zDate,
		note: zNote
	}),
	z.object({
		planItemId: z.uuid(),
		kind: z.literal(PLAN_RECORD_KINDS.hours),
		hours: zHours,
		occurredOn: zDate,
		note: zNote
	}),
	z.object({
		planItemId: z.uuid(),
		kind: z.literal(PLAN_RECORD_KINDS.done),
		occurredOn: zDate,
		note: zNote
	})
]);
export type TPlanRecordInput = z.infer<typeof PlanRecordSchema>;

export const CloseCaseSchema = z.object({
	closure: z.enum(values(CASE_CLOSURES)),
	reason: z.string().trim().min(1).max(1000)
});

const zYesNo = z.enum(['yes', 'no']).transform((v) => v === 'yes');

export const CheckInSchema = z.object({
	followUpId: z.uuid(),
	reached: zYesNo,
	note: zNote
});

export const ReoffendingSchema = z
	.object({
		followUpId: z.uuid(),
		reoffended: zYesNo,
		source: z.enum(values(REOFFENDING_SOURCES)).optional()
	})
	.superRefine((data, ctx) => {
		if (data.reoffended && !data.source)
			ctx.addIssue({ code: 'custom', path: ['source'], message: 'error_reoffending_source' });
	})
	.transform((data) => ({ ...data, source: data.reoffended ? (data.source ?? null) : null }));

/** A radio group of 1–5. */
const zScale = z.enum(['1', '2', '3', '4', '5']).transform(Number);

/** A party's answers; `lessFear` is asked of victims only, and required of them. */
export const surveySchema = (isVictim: boolean) =>
	z.object({
		satisfaction: zScale,
		fairness: zScale,
		lessFear: isVictim ? z.enum(['yes', 'no', 'unsure']) : z.unknown().transform(() => undefined),
		wouldRecommend: zYesNo,
		comment: z.string().trim().max(2000).optional()
	});
