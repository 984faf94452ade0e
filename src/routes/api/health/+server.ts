import { json } from '@sveltejs/kit';
import { getDeps } from '#lib/server/deps.ts';
import type { RequestHandler } from './$types';

/**
 * For load balancers and monitors: 200 when the database answers, 503 when it does not —
 * within DATABASE_CHECK_TIMEOUT_MS either way, so that a check never hangs on a database
 * that went away.
 */
export const GET: RequestHandler = async () => {
	const answers = await getDeps().database.check();
	return json(
		{ ok: answers, database: answers ? 'up' : 'unavailable' },
		{ status: answers ? 200 : 503, headers: { 'cache-control': 'no-store' } }
	);
};
