import { z } from 'zod';

/**
 * What a browser sends to act on an agreement (HTTP, `/api/agreements/<id>/…`). Each body is
 * parsed by its schema before anything else; one that does not parse changes nothing.
 */

export const AcceptClauseSchema = z.object({
	clause: z.string().min(1).max(80),
	/** The clause's fingerprint as the person read it (clauseFingerprint). */
	fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
	/** false withdraws an acceptance. */
	accept: z.boolean()
});
export type AcceptClauseInput = z.infer<typeof AcceptClauseSchema>;

export const SetReadOnlySchema = z.object({ readOnly: z.boolean() });

export const ReopenSchema = z.object({
	reason: z.string().trim().min(1, 'error_required').max(500)
});

/** A drawn signature: a PNG from the signing pad, as a data URL, at most ~150 KB. */
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;
export const MAX_DRAWING_CHARS = 200_000;

export const SignSchema = z.object({
	/** The SHA-256 of the text shown to the signer: a signature names exactly what was read. */
	hash: z.string().regex(/^[0-9a-f]{64}$/),
	typedName: z.string().trim().min(2, 'error_typed_name').max(120),
	agree: z.literal(true, { message: 'error_agree_required' }),
	drawing: z
		.string()
		.max(MAX_DRAWING_CHARS, 'error_drawing')
		.regex(PNG_DATA_URL, 'error_drawing')
		.nullable()
		.optional()
});
export type SignInput = z.infer<typeof SignSchema>;
