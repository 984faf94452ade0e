import { json } from '@sveltejs/kit';
import { sql } from 'drizzle-orm';
import { getDeps } from '#lib/server/deps.ts';
import type { RequestHandler } from './$types';

/** For load balancers and monitors: 200 when the database answers. */
export const GET: RequestHandler = async () => {
	await getDeps().db.execute(sql`select 1`);
	return json({ ok: true });
};
