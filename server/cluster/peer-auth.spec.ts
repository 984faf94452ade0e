import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { requestOrigin } from '../http.ts';
import { PEER_HEADERS, peerHeaders, peerKey, peerOrigin } from './peer-auth.ts';

const SECRET = 'a-secret-every-process-of-the-deployment-shares';
const key = peerKey(SECRET);
const clustered = loadConfig({
	SEED_DEMO: 'false',
	DATABASE_URL: 'postgres://mend@db.internal/mend',
	REDIS_URL: 'redis://redis.internal:6379',
	AUTH_SECRET: SECRET
});

/** A request as it reaches the second process: from its peer's address. */
const forwarded = (headers: IncomingMessage['headers'], url = '/rt/?meeting=m') =>
	({
		method: 'GET',
		url,
		headers: { host: '10.0.0.6:3000', ...headers },
		socket: { remoteAddress: '10.0.0.5', encrypted: false }
	}) as unknown as IncomingMessage;

const client = { protocol: 'https', host: 'mend.example.org', address: '203.0.113.9' } as const;

describe('a request one process of a cluster forwards to another', () => {
	it('arrives with the client’s origin as the first process saw it', () => {
		const req = forwarded(peerHeaders(key, { method: 'GET', url: '/rt/?meeting=m' }, client, 7));
		expect(peerOrigin(req, key)).toEqual({ to: 7, ...client });
		expect(requestOrigin(req, clustered)).toEqual(client);
	});

	it('cannot be imitated by a client: unsigned, wrongly signed or altered, the headers mean nothing', () => {
		const signed = peerHeaders(key, { method: 'GET', url: '/rt/?meeting=m' }, client, 7);
		const own = { protocol: 'http', host: '10.0.0.6:3000', address: '10.0.0.5' };
		const attempts: IncomingMessage['headers'][] = [
			{ ...signed, [PEER_HEADERS.signature]: undefined },
			{ ...signed, [PEER_HEADERS.signature]: 'forged' },
			// Signed with another deployment's secret.
			peerHeaders(
				peerKey('another-deployment-secret-entirely'),
				{ method: 'GET', url: '/rt/?meeting=m' },
				client,
				7
			),
			// A signed value changed: another address, another process, another URL.
			{ ...signed, [PEER_HEADERS.address]: '198.51.100.1' },
			{ ...signed, [PEER_HEADERS.to]: '8' }
		];
		for (const headers of attempts) {
			const req = forwarded(headers);
			expect(peerOrigin(req, key)).toBeNull();
			expect(requestOrigin(req, clustered)).toEqual(own);
		}
		expect(peerOrigin(forwarded(signed, '/rt/?meeting=other'), key)).toBeNull();
	});

	it('means nothing to a process that is not in a cluster', () => {
		const alone = loadConfig({ SEED_DEMO: 'false', AUTH_SECRET: SECRET });
		const req = forwarded(peerHeaders(key, { method: 'GET', url: '/rt/?meeting=m' }, client, 7));
		expect(requestOrigin(req, alone).address).toBe('10.0.0.5');
	});
});
