import { fail } from '@sveltejs/kit';
import * as m from '#lib/paraglide/messages.js';
import {
	MAX_VERIFY_BYTES,
	verifyAgreementHash,
	verifyAgreementPdf
} from '#lib/server/agreements/agreement-pdf.ts';
import { getDeps } from '#lib/server/deps.ts';
import { readForm } from '#lib/server/forms.ts';
import { limiterOf, type Limit } from '#lib/server/limiters.ts';
import { takeAttempt } from '#lib/server/rate-limits.ts';
import type { Actions } from './$types';

/** Checks per address and minute: the page is public. */
const VERIFY_CHECKS: Limit = { keyPrefix: 'verify', points: 30, durationS: 60 };

export const actions: Actions = {
	default: async ({ request, getClientAddress }) => {
		const checks = limiterOf(getDeps(), VERIFY_CHECKS);
		const attempt = await takeAttempt([[checks, getClientAddress()]]);
		if (!attempt.allowed)
			return fail(429, { message: m.verify_rate_limited({ seconds: attempt.retryAfterS }) });
		const form = await readForm(request, { files: ['file'] }).catch(() => null);
		const sha256 = form?.get('sha256');
		if (typeof sha256 === 'string' && sha256 !== '') {
			if (!/^[0-9a-f]{64}$/.test(sha256)) return fail(400, { message: m.verify_choose_file() });
			const name = form?.get('fileName');
			return {
				result: await verifyAgreementHash(getDeps(), sha256),
				fileName: typeof name === 'string' ? name.slice(0, 200) : ''
			};
		}
		const file = form?.get('file');
		if (!(file instanceof File) || file.size === 0)
			return fail(400, { message: m.verify_choose_file() });
		if (file.size > MAX_VERIFY_BYTES) return fail(400, { message: m.verify_too_large() });
		const result = await verifyAgreementPdf(getDeps(), new Uint8Array(await file.arrayBuffer()));
		return { result, fileName: file.name.slice(0, 200) };
	}
};
