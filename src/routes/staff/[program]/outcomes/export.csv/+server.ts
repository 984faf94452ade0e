import { getDeps } from '#lib/server/deps.ts';
import { runLoad } from '#lib/server/kit/actions.ts';
import { requireStaffContext } from '#lib/server/kit/staff.ts';
import { exportOutcomesCsv } from '#lib/server/outcomes/export-outcomes.ts';
import { parseOutcomeFilter } from '#lib/server/outcomes/load-outcomes.ts';
import type { RequestHandler } from './$types';

/** The de-identified outcomes of the program's cases, one row per case, as a download. */
export const GET: RequestHandler = async (event) => {
	const { actor } = await requireStaffContext(event);
	const { csv, fileName } = await runLoad(() =>
		exportOutcomesCsv(getDeps(), actor, parseOutcomeFilter(event.url.searchParams))
	);
	return new Response(csv, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${fileName}"`,
			'cache-control': 'private, no-store'
		}
	});
};
