import { setReadOnly } from '#lib/server/agreements/set-read-only.ts';
import { getDeps } from '#lib/server/deps.ts';
import { credentialsOf, readJson, runJson } from '#lib/server/kit/json.ts';
import { getPlanes } from '#lib/server/planes.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = (event) =>
	runJson(async () =>
		setReadOnly(
			getDeps(),
			getPlanes(),
			credentialsOf(event),
			event.params.agreementId,
			await readJson(event)
		)
	);
