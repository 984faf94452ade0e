import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * What one process of a cluster tells another about a request it forwards, signed with a key
 * derived from AUTH_SECRET (which every process of a deployment shares): the process it is
 * meant for, and where the request came from as the first process decided it (http.ts
 * requestOrigin) — the second one sees only its peer's address. Unsigned or wrongly signed,
 * these headers mean nothing: a client cannot pass for a peer.
 */
export const PEER_HEADERS = {
	to: 'x-mend-peer-to',
	address: 'x-mend-peer-address',
	protocol: 'x-mend-peer-proto',
	host: 'x-mend-peer-host',
	signature: 'x-mend-peer-signature'
} as const;

export interface PeerOrigin {
	/** The process the request was forwarded to. */
	to: number;
	protocol: 'http' | 'https';
	host: string | undefined;
	address: string | undefined;
}

const keys = new Map<string, Buffer>();
export function peerKey(authSecret: string): Buffer {
	let key = keys.get(authSecret);
	if (!key) {
		key = createHmac('sha256', authSecret).update('mend cluster peers v1').digest();
		keys.set(authSecret, key);
	}
	return key;
}

export const signPeer = (key: Buffer, parts: readonly string[]): string =>
	createHmac('sha256', key).update(parts.join('\n')).digest('base64url');

export function verifyPeer(key: Buffer, parts: readonly string[], signature: string): boolean {
	const expected = Buffer.from(signPeer(key, parts));
	const given = Buffer.from(signature);
	return given.length === expected.length && timingSafeEqual(given, expected);
}

const header = (req: IncomingMessage, name: string): string | undefined => {
	const value = req.headers[name];
	return typeof value === 'string' ? value : undefined;
};

/** What is signed of a forwarded request: its target and origin, with its method and URL. */
const signedParts = (method: string, url: string, origin: Omit<PeerOrigin, 'to'>, to: number) => [
	String(to),
	method,
	url,
	origin.protocol,
	origin.host ?? '',
	origin.address ?? ''
];

/** The headers that forward `req` to process `to`, from a client at `origin`. */
export function peerHeaders(
	key: Buffer,
	req: Pick<IncomingMessage, 'method' | 'url'>,
	origin: Omit<PeerOrigin, 'to'>,
	to: number
): Record<string, string> {
	return {
		[PEER_HEADERS.to]: String(to),
		[PEER_HEADERS.protocol]: origin.protocol,
		[PEER_HEADERS.host]: origin.host ?? '',
		[PEER_HEADERS.address]: origin.address ?? '',
		[PEER_HEADERS.signature]: signPeer(
			key,
			signedParts(req.method ?? 'GET', req.url ?? '/', origin, to)
		)
	};
}

/** The request's origin as a peer forwarded it, or null when no peer did (or not signed so). */
export function peerOrigin(req: IncomingMessage, key: Buffer): PeerOrigin | null {
	const signature = header(req, PEER_HEADERS.signature);
	if (!signature) return null;
	const to = Number(header(req, PEER_HEADERS.to));
	const protocol = header(req, PEER_HEADERS.protocol);
	if (!Number.isSafeInteger(to) || (protocol !== 'http' && protocol !== 'https')) return null;
	const origin = {
		protocol,
		host: header(req, PEER_HEADERS.host) || undefined,
		address: header(req, PEER_HEADERS.address) || undefined
	} as const;
	const parts = signedParts(req.method ?? 'GET', req.url ?? '/', origin, to);
	return verifyPeer(key, parts, signature) ? { to, ...origin } : null;
}
