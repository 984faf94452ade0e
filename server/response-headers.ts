import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from './config.ts';
import { requestOrigin } from './http.ts';

/** One year: a browser keeps to HTTPS for that long after each visit. */
export const HSTS_MAX_AGE_S = 365 * 24 * 60 * 60;

/**
 * Headers every HTTP response carries, whoever answers it — the built files adapter-node
 * serves before any SvelteKit hook, the pages, socket.io's long-polling: a browser never runs
 * or renders a response as another type than the one sent (a JSON answer, a PDF or an
 * upload is never taken for a script or a page), and, when Mend is reached over HTTPS (as
 * `requestOrigin` decides it: PUBLIC_URL, or a trusted proxy), keeps to HTTPS from then on.
 */
export function addResponseHeaders(
	req: IncomingMessage,
	res: ServerResponse,
	config: Config
): void {
	res.setHeader('x-content-type-options', 'nosniff');
	if (requestOrigin(req, config).protocol === 'https')
		res.setHeader('strict-transport-security', `max-age=${HSTS_MAX_AGE_S}`);
}
