import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { addResponseHeaders, HSTS_MAX_AGE_S } from './response-headers.ts';

const servers: http.Server[] = [];
afterEach(async () => {
	for (const server of servers.splice(0))
		await new Promise((resolve) => server.close(resolve).closeAllConnections());
});

/**
 * The headers a response gets from a real HTTP server with these settings, answering as any
 * of Mend's listeners does: with `writeHead` (adapter-node's files, SvelteKit, socket.io).
 */
async function headersFor(
	env: Record<string, string>,
	requestHeaders: Record<string, string> = {}
) {
	const config = loadConfig(env);
	const server = http.createServer((req, res) => {
		addResponseHeaders(req, res, config);
		res.writeHead(200, { 'content-type': 'text/javascript' }).end('0');
	});
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	const response = await fetch(`http://127.0.0.1:${port}/`, { headers: requestHeaders });
	await response.arrayBuffer();
	return response.headers;
}

const HSTS = `max-age=${HSTS_MAX_AGE_S}`;

describe('the headers of every response', () => {
	it('forbid guessing the type, whatever else the responder sends', async () => {
		expect((await headersFor({})).get('x-content-type-options')).toBe('nosniff');
	});

	it('keep browsers to HTTPS when PUBLIC_URL is https', async () => {
		const headers = await headersFor({ PUBLIC_URL: 'https://mend.example.org' });
		expect(headers.get('strict-transport-security')).toBe(HSTS);
	});

	it('keep browsers to HTTPS when a trusted proxy says the request came over https', async () => {
		const headers = await headersFor({ TRUST_PROXY: 'true' }, { 'x-forwarded-proto': 'https' });
		expect(headers.get('strict-transport-security')).toBe(HSTS);
	});

	it('say nothing of HTTPS over plain http, even when a client (not a trusted proxy) claims https', async () => {
		expect((await headersFor({})).has('strict-transport-security')).toBe(false);
		const claimed = await headersFor({}, { 'x-forwarded-proto': 'https' });
		expect(claimed.has('strict-transport-security')).toBe(false);
		const proxied = await headersFor({ TRUST_PROXY: 'true' }, { 'x-forwarded-proto': 'http' });
		expect(proxied.has('strict-transport-security')).toBe(false);
		const publicHttp = await headersFor({ PUBLIC_URL: 'http://mend.lan' });
		expect(publicHttp.has('strict-transport-security')).toBe(false);
	});
});
