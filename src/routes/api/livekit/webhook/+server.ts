import { error, text } from '@sveltejs/kit';
import { getDeps } from '#lib/server/deps.ts';
import type { RequestHandler } from './$types';

/**
 * LiveKit's webhooks (participant joined, room finished, …). Verified against our API key and
 * the exact body received; anything else is refused with 401. Only when LiveKit is configured.
 */
export const POST: RequestHandler = async ({ request }) => {
	const { media } = getDeps();
	if (!media.handleWebhook) error(404, 'Not found');
	const outcome = await media.handleWebhook(
		await request.text(),
		request.headers.get('authorization')
	);
	if (outcome === 'refused') error(401, 'Unauthorized');
	return text('ok');
};
