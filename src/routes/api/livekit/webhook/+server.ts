import { error, text } from '@sveltejs/kit';
import { getDeps } from '#lib/server/deps.ts';
import { readBodyText } from '#lib/server/kit/body.ts';
import type { RequestHandler } from './$types';

/** A webhook is a few hundred bytes of JSON; anything far larger is not LiveKit's. */
const MAX_WEBHOOK_BYTES = 64 * 1024;

/**
 * LiveKit's webhooks (participant joined, room finished, …). Verified against our API key and
 * the exact body received; anything else is refused with 401, and a body larger than any
 * webhook with 413 before it is read. Only when LiveKit is configured.
 */
export const POST: RequestHandler = async ({ request }) => {
	const { media } = getDeps();
	if (!media.handleWebhook) error(404, 'Not found');
	const body = await readBodyText(request, MAX_WEBHOOK_BYTES);
	if (body === null) error(413, 'Payload Too Large');
	const outcome = await media.handleWebhook(body, request.headers.get('authorization'));
	if (outcome === 'refused') error(401, 'Unauthorized');
	return text('ok');
};
