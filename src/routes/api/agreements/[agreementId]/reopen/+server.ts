import { reopenAgreement } from '#lib/server/agreements/reopen-agreement.ts';
import { getDeps } from '#lib/server/deps.ts';
import { credentialsOf, readJson, runJson } from '#lib/server/kit/json.ts';
import { getPlanes } from '#lib/server/planes.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = (event) =>
	runJson(async () =>
		reopenAgreement(
			getDeps(),
			getPlanes(),
			credentialsOf(event),
			event.params.agreementId,
			await readJson(event)
		)
	);
