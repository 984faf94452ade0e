import { agreementFor } from '#lib/server/agreements/agreement-for.ts';
import { agreementStateFor } from '#lib/server/agreements/agreement-state.ts';
import { getDeps } from '#lib/server/deps.ts';
import { credentialsOf, runJson } from '#lib/server/kit/json.ts';
import { getPlanes } from '#lib/server/planes.ts';
import type { RequestHandler } from './$types';

/** The agreement's state and its draft as plain data, for the asker (as the collab server tells it). */
export const GET: RequestHandler = (event) =>
	runJson(async () => {
		const { agreementId } = event.params;
		const deps = getDeps();
		const { record, viewer } = await agreementFor(deps, credentialsOf(event), agreementId);
		const planes = getPlanes();
		return {
			state: agreementStateFor(
				record,
				viewer,
				await planes.sessions.stepOf(record.agreement.meetingId),
				deps.clock.now()
			),
			content: await planes.agreements.content(agreementId)
		};
	});
