import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Config } from './config.ts';

/**
 * adapter-node reads the request's protocol, host and client address from headers it is told
 * about through these variables, when its handler module loads. Mend sets them itself, from the
 * socket or (behind a trusted proxy) the forwarded headers, so that pages, better-auth and
 * rate limits all see the same origin and address.
 */
export const ADAPTER_HEADERS = {
	PROTOCOL_HEADER: 'x-mend-proto',
	HOST_HEADER: 'x-mend-host',
	ADDRESS_HEADER: 'x-mend-address'
} as const;

const first = (value: string | string[] | undefined): string | undefined =>
	(Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim() || undefined;

export interface RequestOrigin {
	protocol: 'http' | 'https';
	host: string | undefined;
	address: string | undefined;
}

/** Where a request came from, as Mend decides it (never trusting forwarded headers by default). */
export function requestOrigin(req: IncomingMessage, config: Config): RequestOrigin {
	const encrypted = Boolean((req.socket as TLSSocket).encrypted);
	const direct: RequestOrigin = {
		protocol: encrypted ? 'https' : 'http',
		host: req.headers.host,
		address: req.socket.remoteAddress
	};
	const forwarded: RequestOrigin = config.trustProxy
		? {
				protocol: first(req.headers['x-forwarded-proto']) === 'https' ? 'https' : direct.protocol,
				host: first(req.headers['x-forwarded-host']) ?? direct.host,
				address: first(req.headers['x-forwarded-for']) ?? direct.address
			}
		: direct;
	if (!config.publicUrl) return forwarded;
	const url = new URL(config.publicUrl);
	return { ...forwarded, protocol: url.protocol === 'https:' ? 'https' : 'http', host: url.host };
}

/** The origin a browser on this request should be using, e.g. for WebSocket origin checks. */
export const originOf = (origin: RequestOrigin): string => `${origin.protocol}://${origin.host}`;

export function createRequestListener(
	kitHandler: (req: IncomingMessage, res: ServerResponse, next: () => void) => void,
	config: Config
): RequestListener {
	return (req, res) => {
		// Whatever a client sent under our header names is discarded first.
		for (const name of Object.values(ADAPTER_HEADERS)) delete req.headers[name];
		const origin = requestOrigin(req, config);
		req.headers[ADAPTER_HEADERS.PROTOCOL_HEADER] = origin.protocol;
		if (origin.host) req.headers[ADAPTER_HEADERS.HOST_HEADER] = origin.host;
		req.headers[ADAPTER_HEADERS.ADDRESS_HEADER] = origin.address ?? '';
		kitHandler(req, res, () => {
			res.statusCode = 404;
			res.end('Not found');
		});
	};
}
