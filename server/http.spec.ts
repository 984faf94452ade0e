import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { fromTrustedProxies, requestOrigin } from './http.ts';

/** A request as Node hands it over: headers (lower-case) and the socket's peer address. */
const request = (headers: IncomingMessage['headers'], remoteAddress = '127.0.0.1') =>
	({ headers, socket: { remoteAddress, encrypted: false } }) as unknown as IncomingMessage;

const config = (env: Record<string, string> = {}) => loadConfig({ SEED_DEMO: 'false', ...env });

describe('requestOrigin', () => {
	it('ignores every forwarded header unless TRUST_PROXY is set', () => {
		const origin = requestOrigin(
			request({
				host: 'mend.local:3000',
				'x-forwarded-for': '203.0.113.9',
				'x-forwarded-host': 'evil.example',
				'x-forwarded-proto': 'https'
			}),
			config()
		);
		expect(origin).toEqual({ protocol: 'http', host: 'mend.local:3000', address: '127.0.0.1' });
	});

	it('behind one proxy, takes the address it appended (the last), not what the client sent before it', () => {
		const origin = (xff: string | string[]) =>
			requestOrigin(
				request({ host: 'mend.local', 'x-forwarded-for': xff }),
				config({ TRUST_PROXY: 'true' })
			).address;
		expect(origin('198.51.100.7')).toBe('198.51.100.7');
		// nginx's $proxy_add_x_forwarded_for: the client's header, then the address nginx saw.
		expect(origin('1.2.3.4, 198.51.100.7')).toBe('198.51.100.7');
		expect(origin('1.2.3.4,5.6.7.8,198.51.100.7')).toBe('198.51.100.7');
		expect(origin('2001:db8::1, 2001:db8::7')).toBe('2001:db8::7');
		// Two header lines are one list, in order.
		expect(origin(['1.2.3.4', '198.51.100.7'])).toBe('198.51.100.7');
	});

	it('behind several proxies, takes the entry the outermost one appended', () => {
		const origin = (xff: string) =>
			requestOrigin(request({ 'x-forwarded-for': xff }), config({ TRUST_PROXY: '2' })).address;
		// client-chosen, then what the CDN saw (the client), then what nginx saw (the CDN).
		expect(origin('6.6.6.6, 198.51.100.7, 192.0.2.1')).toBe('198.51.100.7');
		expect(origin('198.51.100.7, 192.0.2.1')).toBe('198.51.100.7');
		// Fewer entries than proxies: all of them are the proxies' own; the leftmost is taken.
		expect(origin('192.0.2.1')).toBe('192.0.2.1');
	});

	it('uses the socket when the proxy wrote something that is not an address, or nothing', () => {
		const address = (headers: IncomingMessage['headers']) =>
			requestOrigin(request(headers, '10.0.0.2'), config({ TRUST_PROXY: 'true' })).address;
		expect(address({})).toBe('10.0.0.2');
		expect(address({ 'x-forwarded-for': '' })).toBe('10.0.0.2');
		expect(address({ 'x-forwarded-for': '198.51.100.7, unknown' })).toBe('10.0.0.2');
		expect(address({ 'x-forwarded-for': '198.51.100.7, ' })).toBe('10.0.0.2');
		expect(address({ 'x-forwarded-for': '198.51.100.7:4711' })).toBe('10.0.0.2');
	});

	it('reads X-Forwarded-Host and -Proto the same way, and refuses what is no host or protocol', () => {
		const origin = (headers: IncomingMessage['headers']) =>
			requestOrigin(
				request({ host: 'mend.local:3000', ...headers }),
				config({ TRUST_PROXY: 'true' })
			);
		expect(
			origin({ 'x-forwarded-host': 'mend.example.org', 'x-forwarded-proto': 'https' })
		).toMatchObject({ host: 'mend.example.org', protocol: 'https' });
		expect(
			origin({
				'x-forwarded-host': 'evil.example, mend.example.org',
				'x-forwarded-proto': 'http, https'
			})
		).toMatchObject({ host: 'mend.example.org', protocol: 'https' });
		expect(origin({ 'x-forwarded-host': '[2001:db8::1]:8443' }).host).toBe('[2001:db8::1]:8443');
		expect(
			origin({ 'x-forwarded-host': 'evil.example/path', 'x-forwarded-proto': 'javascript' })
		).toMatchObject({ host: 'mend.local:3000', protocol: 'http' });
		expect(origin({ 'x-forwarded-host': 'a@evil.example' }).host).toBe('mend.local:3000');
	});

	it('takes the protocol and host from PUBLIC_URL when it is set, and still the address from the proxy', () => {
		const origin = requestOrigin(
			request({
				host: 'mend.local:3000',
				'x-forwarded-host': 'evil.example',
				'x-forwarded-proto': 'http',
				'x-forwarded-for': '1.2.3.4, 198.51.100.7'
			}),
			config({ TRUST_PROXY: 'true', PUBLIC_URL: 'https://mend.example.org' })
		);
		expect(origin).toEqual({
			protocol: 'https',
			host: 'mend.example.org',
			address: '198.51.100.7'
		});
	});
});

describe('fromTrustedProxies', () => {
	it('is nothing without trusted proxies or without a header', () => {
		expect(fromTrustedProxies('198.51.100.7', 0)).toBeUndefined();
		expect(fromTrustedProxies(undefined, 1)).toBeUndefined();
		expect(fromTrustedProxies([], 1)).toBeUndefined();
	});
});
