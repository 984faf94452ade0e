import { fail } from '@sveltejs/kit';
import * as m from '#lib/paraglide/messages.js';
import { getDeps } from '#lib/server/deps.ts';
import { answerSurvey, openSurvey } from '#lib/server/follow-up/survey.ts';
import { formValues, refused, runAction } from '#lib/server/kit/actions.ts';
import { limiterOf, type Limit } from '#lib/server/limiters.ts';
import { takeAttempt } from '#lib/server/rate-limits.ts';
import type { Actions, PageServerLoad } from './$types';

/** Answers per address and hour: the page is public. */
const SURVEY_ANSWERS: Limit = { keyPrefix: 'survey', points: 20, durationS: 60 * 60 };

export const load: PageServerLoad = async ({ params }) => ({
	page: await openSurvey(getDeps(), params.token)
});

export const actions: Actions = {
	default: async ({ params, request, getClientAddress }) => {
		const ip = getClientAddress();
		const attempt = await takeAttempt([[limiterOf(getDeps(), SURVEY_ANSWERS), ip]]);
		if (!attempt.allowed)
			return fail(429, {
				message: m.survey_rate_limited({ minutes: Math.ceil(attempt.retryAfterS / 60) }),
				errors: {} as Record<string, string>
			});
		const values = await formValues(request);
		if (refused(values)) return values;
		const result = await runAction(
			() => answerSurvey(getDeps(), { token: params.token, input: values, ip }),
			values
		);
		return result ?? { answered: true };
	}
};
