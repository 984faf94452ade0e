import { freezeAgreement } from '#lib/server/agreements/freeze-agreement.ts';
import { getDeps } from '#lib/server/deps.ts';
import { credentialsOf, readJson, runJson } from '#lib/server/kit/json.ts';
import { getPlanes } from '#lib/server/planes.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = (event) =>
	runJson(async () => {
		await readJson(event);
		return freezeAgreement(getDeps(), getPlanes(), credentialsOf(event), event.params.agreementId);
	});
