import { signAgreement } from '#lib/server/agreements/sign-agreement.ts';
import { getDeps } from '#lib/server/deps.ts';
import { credentialsOf, readJson, runJson } from '#lib/server/kit/json.ts';
import { getPlanes } from '#lib/server/planes.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = (event) =>
	runJson(async () =>
		signAgreement(
			getDeps(),
			getPlanes(),
			credentialsOf(event),
			event.params.agreementId,
			await readJson(event)
		)
	);
