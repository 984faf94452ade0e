import { describe, expect, it } from 'vitest';
import type { SignalPayload } from '#lib/protocol/media.ts';
import { acrossSides } from './hide-addresses.ts';

/** The TURN servers configured: one IPv4, one IPv6 address. */
const relays = { has: (address: string) => ['198.51.100.9', '2001:db8::9'].includes(address) };

const candidate = (text: string): SignalPayload => ({
	candidate: { candidate: text, sdpMid: '0', sdpMLineIndex: 0 }
});
/** What reached the other side of a candidate, or null. */
const passed = (text: string) => {
	const out = acrossSides(candidate(text), relays);
	return out && 'candidate' in out ? out.candidate!.candidate : null;
};
/** What reached the other side of a session description. */
const sdpPassed = (sdp: string) => {
	const out = acrossSides({ description: { type: 'offer', sdp } }, relays);
	return out && 'description' in out ? out.description.sdp! : '';
};

const HOST = 'candidate:1 1 udp 2122260223 192.168.1.23 54321 typ host generation 0';
const MDNS = 'candidate:2 1 udp 2122260223 3f1c2b9e-1111.local 54321 typ host generation 0';
const SRFLX =
	'candidate:3 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 0.0.0.0 rport 0 generation 0';
const PRFLX = 'candidate:4 1 udp 1845501695 203.0.113.7 61001 typ prflx raddr 0.0.0.0 rport 0';
const RELAY =
	'candidate:5 1 udp 41885439 198.51.100.9 50000 typ relay raddr 203.0.113.7 rport 61000 generation 0 ufrag a1B2 network-id 1 network-cost 10';
const RELAYED =
	'candidate:5 1 udp 41885439 198.51.100.9 50000 typ relay raddr 0.0.0.0 rport 0 generation 0 ufrag a1B2 network-id 1 network-cost 10';
/** The attack: a candidate that says it is a relay, at the sender's own address and port. */
const FAKE_RELAY =
	'candidate:6 1 udp 41885439 203.0.113.7 61000 typ relay raddr 0.0.0.0 rport 0 generation 0';

describe('a candidate between the two sides', () => {
	it('passes only at a TURN server’s address, without the address it relays for', () => {
		expect(passed(RELAY)).toBe(RELAYED);
		for (const text of [HOST, MDNS, SRFLX, PRFLX]) expect(passed(text)).toBeNull();
	});

	it('is judged by its address, not by what it says it is', () => {
		expect(passed(FAKE_RELAY)).toBeNull();
		// Any type at the TURN server's address reaches the TURN server: it passes, as written by Mend.
		expect(passed('candidate:7 1 udp 2122260223 198.51.100.9 50001 typ host generation 0')).toBe(
			'candidate:7 1 udp 2122260223 198.51.100.9 50001 typ host generation 0'
		);
	});

	it('is dropped when spelled in a way a browser might read otherwise than Mend', () => {
		for (const text of [
			// Two spaces, a tab, a trailing space, a line ending carried along.
			'candidate:6 1 udp 41885439  203.0.113.7 61000 typ relay',
			'candidate:6 1 udp 41885439 198.51.100.9  61000 typ relay',
			'candidate:6 1 udp 41885439\t198.51.100.9 61000 typ relay',
			'candidate:6 1 udp 41885439 198.51.100.9 61000 typ relay ',
			'candidate:6 1 udp 41885439 198.51.100.9 61000 typ relay\r\n',
			' candidate:6 1 udp 41885439 198.51.100.9 61000 typ relay',
			'a=candidate:6 1 udp 41885439 198.51.100.9 61000 typ relay',
			// Missing or extra fields, an unknown type, numbers out of range.
			'candidate:6 1 udp 41885439 198.51.100.9 61000 typ',
			'candidate:6 1 udp 41885439 198.51.100.9 61000 relay',
			'candidate:6 1 udp 41885439 198.51.100.9 61000 typ relay raddr',
			'candidate:6 1 udp 41885439 198.51.100.9 61000 typ turn',
			'candidate:6 1 sctp 41885439 198.51.100.9 61000 typ relay',
			'candidate:6 0 udp 41885439 198.51.100.9 61000 typ relay',
			'candidate:6 1 udp 41885439 198.51.100.9 65536 typ relay',
			'candidate:6 1 udp 4294967296 198.51.100.9 61000 typ relay',
			'candidate: 1 udp 41885439 198.51.100.9 61000 typ relay',
			// The TURN server's address written otherwise, or not an address at all.
			'candidate:6 1 udp 41885439 198.051.100.9 61000 typ relay',
			'candidate:6 1 udp 41885439 0xc6.51.100.9 61000 typ relay',
			'candidate:6 1 udp 41885439 ::ffff:198.51.100.9 61000 typ relay',
			'candidate:6 1 udp 41885439 2001:db8::9%eth0 61000 typ relay',
			'candidate:6 1 udp 41885439 turn.example.org 61000 typ relay',
			'candidate:6 1 udp 41885439 198.51.100.9.local 61000 typ relay',
			'x'.repeat(2000)
		])
			expect(passed(text), JSON.stringify(text)).toBeNull();
	});

	it('passes in the one form browsers write, whatever the case of its words', () => {
		// Firefox writes UDP; ABNF words are case-insensitive. The address decides either way.
		expect(
			passed('CANDIDATE:6 1 UDP 41885439 198.51.100.9 61000 TYP RELAY RADDR 10.0.0.2 RPORT 5')
		).toBe('candidate:6 1 udp 41885439 198.51.100.9 61000 typ relay raddr 0.0.0.0 rport 0');
		expect(passed('candidate:6 1 udp 41885439 203.0.113.7 61000 TYP relay')).toBeNull();
		expect(passed('candidate:6 1 udp 41885439 203.0.113.7 61000 typ RELAY')).toBeNull();
	});

	it('knows an IPv6 TURN address however it is written, and keeps tcptype', () => {
		expect(
			passed(
				'candidate:8 1 tcp 1518280447 2001:DB8:0:0::9 9 typ relay raddr :: rport 0 tcptype passive'
			)
		).toBe(
			'candidate:8 1 tcp 1518280447 2001:db8::9 9 typ relay raddr 0.0.0.0 rport 0 tcptype passive'
		);
		expect(passed('candidate:8 1 udp 41885439 2001:db8::7 61000 typ relay')).toBeNull();
		expect(
			passed('candidate:8 1 tcp 1518280447 2001:db8::9 9 typ host tcptype sideways')
		).toBeNull();
	});

	it('drops extensions Mend does not know, and addresses hidden in them', () => {
		expect(
			passed(
				'candidate:5 1 udp 41885439 198.51.100.9 50000 typ relay raddr 203.0.113.7 rport 61000 x-where 203.0.113.7 generation 0'
			)
		).toBe(
			'candidate:5 1 udp 41885439 198.51.100.9 50000 typ relay raddr 0.0.0.0 rport 0 generation 0'
		);
	});

	it('passes the end of candidates and a restart, which carry no address', () => {
		expect(acrossSides(candidate(''), relays)).toEqual(candidate(''));
		expect(acrossSides({ candidate: null }, relays)).toEqual({ candidate: null });
		expect(acrossSides({ restart: true }, relays)).toEqual({ restart: true });
		expect(acrossSides({ description: { type: 'rollback' } }, relays)).toEqual({
			description: { type: 'rollback' }
		});
	});
});

describe('a session description between the two sides', () => {
	it('keeps only candidates at a TURN server and blanks every other address', () => {
		const text = sdpPassed(
			[
				'v=0',
				'o=- 4611731400430051336 2 IN IP4 203.0.113.7',
				'm=audio 61000 UDP/TLS/RTP/SAVPF 111',
				'c=IN IP4 203.0.113.7',
				'a=rtcp:61000 IN IP4 203.0.113.7',
				`a=${HOST}`,
				`a=${SRFLX}`,
				`a=${FAKE_RELAY}`,
				`a=${RELAY}`,
				'a=remote-candidates:1 203.0.113.7 61000',
				'a=rtcp-mux',
				'm=video 9 UDP/TLS/RTP/SAVPF 96',
				'c=IN IP6 2001:db8::7',
				'a=rtcp:9 IN IP6 2001:db8::7',
				''
			].join('\r\n')
		);
		expect(text).not.toMatch(/203\.0\.113\.7|192\.168\.1\.23|2001:db8::7/);
		expect(text.split('\r\n')).toEqual([
			'v=0',
			'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
			'm=audio 61000 UDP/TLS/RTP/SAVPF 111',
			'c=IN IP4 0.0.0.0',
			'a=rtcp:61000 IN IP4 0.0.0.0',
			`a=${RELAYED}`,
			'a=rtcp-mux',
			'm=video 9 UDP/TLS/RTP/SAVPF 96',
			'c=IN IP6 ::',
			'a=rtcp:9 IN IP6 ::',
			''
		]);
	});

	it('judges every line whatever ends it, and hands on CRLF lines only', () => {
		// A candidate after a lone CR, after LF, in upper case, and a c= line in odd case.
		const text = sdpPassed(
			'v=0\na=ice-ufrag:abcd\ra=candidate:6 1 udp 41885439 203.0.113.7 61000 typ relay\n' +
				'A=CANDIDATE:6 1 udp 41885439 203.0.113.7 61000 typ relay\r\n' +
				'a=Candidate:9 1 udp 41885439 203.0.113.7 61000 typ relay\r\r\n' +
				`a=${RELAY}\nC=IN IP4 203.0.113.7\n`
		);
		expect(text).not.toMatch(/203\.0\.113\.7/);
		expect(text).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
		expect(text.split('\r\n')).toEqual([
			'v=0',
			'a=ice-ufrag:abcd',
			'',
			`a=${RELAYED}`,
			'c=IN IP4 0.0.0.0',
			''
		]);
	});

	it('drops an origin or RTCP line it cannot read rather than pass its address', () => {
		const text = sdpPassed(
			'v=0\r\no=- 1 2 IN IP4 203.0.113.7 extra\r\na=rtcp:x IN IP4 203.0.113.7\r\n'
		);
		expect(text).toBe('v=0\r\n');
	});
});
