import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { peerKey, peerOrigin } from './cluster/peer-auth.ts';
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

/**
 * The value of a forwarded header that the outermost trusted proxy wrote. Proxies append to
 * X-Forwarded-For (nginx: `$proxy_add_x_forwarded_for`), so with `hops` trusted proxies the
 * last `hops` entries are theirs and anything before them is whatever the client sent: the
 * entry `hops` from the right is the address the first proxy saw. Fewer entries than proxies
 * means the request came in past the outer ones: all entries are then the proxies' own and the
 * leftmost is taken. Several header lines count as one list, in order.
 */
export function fromTrustedProxies(
	value: string | string[] | undefined,
	hops: number
): string | undefined {
	const entries = [value ?? []]
		.flat()
		.flatMap((line) => line.split(','))
		.map((entry) => entry.trim());
	if (hops < 1 || entries.length === 0) return undefined;
	return entries[Math.max(0, entries.length - hops)] || undefined;
}

/** host[:port], a name or an IPv4 address, or [IPv6][:port]: nothing else is a Host. */
const HOST =
	/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

export interface RequestOrigin {
	protocol: 'http' | 'https';
	host: string | undefined;
	address: string | undefined;
}

/**
 * Where a request came from, as Mend decides it: from the socket, unless `TRUST_PROXY` says
 * how many proxies stand in front of Mend — then from the entries those proxies wrote to the
 * X-Forwarded-* headers, never from what the client put before them. A forwarded value that is
 * not an IP address, a host or a protocol is ignored (the socket's is used).
 */
export function requestOrigin(req: IncomingMessage, config: Config): RequestOrigin {
	// Forwarded by another process of the cluster, which decided it already (cluster/).
	const peer = config.cluster ? peerOrigin(req, peerKey(config.authSecret)) : null;
	if (peer) return { protocol: peer.protocol, host: peer.host, address: peer.address };
	const encrypted = Boolean((req.socket as TLSSocket).encrypted);
	const direct: RequestOrigin = {
		protocol: encrypted ? 'https' : 'http',
		host: req.headers.host,
		address: req.socket.remoteAddress
	};
	const hops = config.trustProxy;
	let forwarded = direct;
	if (hops > 0) {
		const proto = fromTrustedProxies(req.headers['x-forwarded-proto'], hops)?.toLowerCase();
		const host = fromTrustedProxies(req.headers['x-forwarded-host'], hops);
		const address = fromTrustedProxies(req.headers['x-forwarded-for'], hops);
		forwarded = {
			protocol: proto === 'https' || proto === 'http' ? proto : direct.protocol,
			host: host && HOST.test(host) ? host : direct.host,
			address: address && isIP(address) ? address : direct.address
		};
	}
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
