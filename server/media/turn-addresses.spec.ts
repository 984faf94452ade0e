import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '#lib/server/log.ts';
import { turnHostOf, watchRelayAddresses, type WatchedRelayAddresses } from './turn-addresses.ts';

const logged: string[] = [];
const log: Logger = {
	debug: () => {},
	info: () => {},
	warn: (message) => logged.push(`warn ${message}`),
	error: (message) => logged.push(`error ${message}`)
};

let watched: WatchedRelayAddresses | undefined;
afterEach(() => {
	watched?.stop();
	logged.length = 0;
});

describe('the hosts of TURN URLs', () => {
	it('reads host names and addresses as RFC 7065 writes them', () => {
		expect(turnHostOf('turn:turn.example.org')).toBe('turn.example.org');
		expect(turnHostOf('turns:TURN.Example.org:5349?transport=tcp')).toBe('turn.example.org');
		expect(turnHostOf('turn:198.51.100.9:3478?transport=udp')).toBe('198.51.100.9');
		expect(turnHostOf('turn:[2001:DB8::9]:3478')).toBe('2001:db8::9');
	});

	it('reads nothing from what is not a TURN URL', () => {
		for (const url of [
			'stun:stun.example.org',
			'turn:',
			'turn:user@turn.example.org',
			'turn:turn.example.org:port',
			'turn:198.51.100.999',
			'turn:[fe80::1%eth0]',
			'turn:turn.example.org?transport=sctp',
			'turn:turn.example.org/path'
		])
			expect(turnHostOf(url), url).toBeNull();
	});
});

describe('the addresses of the TURN servers', () => {
	it('are the IP addresses given, and every address a host name resolves to', async () => {
		const lookups: string[] = [];
		watched = await watchRelayAddresses(
			['turn:198.51.100.9:3478', 'turns:turn.example.org:5349', 'turn:turn.example.org'],
			log,
			{
				lookup: async (host) => {
					lookups.push(host);
					return ['203.0.113.5', '2001:DB8:0::5'];
				}
			}
		);
		expect(lookups).toEqual(['turn.example.org']);
		expect(watched.list().sort()).toEqual(['198.51.100.9', '2001:db8::5', '203.0.113.5']);
		expect(watched.has('203.0.113.5')).toBe(true);
		expect(watched.has('203.0.113.6')).toBe(false);
	});

	it('follow DNS, and keep the last addresses while it fails', async () => {
		let answer: () => string[] = () => ['203.0.113.5'];
		watched = await watchRelayAddresses(['turn:turn.example.org'], log, {
			lookup: async () => answer()
		});
		answer = () => ['203.0.113.6'];
		await watched.refresh();
		expect(watched.list()).toEqual(['203.0.113.6']);
		answer = () => {
			throw new Error('ENOTFOUND');
		};
		await watched.refresh();
		expect(watched.list()).toEqual(['203.0.113.6']);
		expect(logged).toEqual([expect.stringMatching(/^warn .*keeping its last addresses/)]);
	});

	it('are none for a name that never resolved, until it does: nothing passes meanwhile', async () => {
		let resolves = false;
		watched = await watchRelayAddresses(['turn:turn.example.org'], log, {
			lookup: async () => {
				if (!resolves) throw new Error('ENOTFOUND');
				return ['203.0.113.5'];
			},
			retryMs: 10
		});
		expect(watched.list()).toEqual([]);
		expect(logged[0]).toMatch(/^error .*no media passes/);
		resolves = true;
		const deadline = Date.now() + 5000;
		while (!watched.has('203.0.113.5') && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 10));
		expect(watched.has('203.0.113.5')).toBe(true);
	});

	it('are looked up with the system resolver by default', async () => {
		watched = await watchRelayAddresses(['turn:localhost:3478'], log);
		expect(watched.has('127.0.0.1')).toBe(true);
	});
});
