import { describe, expect, it } from 'vitest';
import { withoutAddresses } from './hide-addresses.ts';

const candidate = (text: string) => ({
	candidate: { candidate: text, sdpMid: '0', sdpMLineIndex: 0 }
});
const HOST = 'candidate:1 1 udp 2122260223 192.168.1.23 54321 typ host generation 0';
const MDNS = 'candidate:2 1 udp 2122260223 3f1c2b9e-1111.local 54321 typ host generation 0';
const SRFLX =
	'candidate:3 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 0.0.0.0 rport 0 generation 0';
const PRFLX = 'candidate:4 1 udp 1845501695 203.0.113.7 61001 typ prflx raddr 0.0.0.0 rport 0';
const RELAY =
	'candidate:5 1 udp 41885439 198.51.100.9 50000 typ relay raddr 203.0.113.7 rport 61000 generation 0';
const RELAYED =
	'candidate:5 1 udp 41885439 198.51.100.9 50000 typ relay raddr 0.0.0.0 rport 0 generation 0';

describe('signalling between the two sides', () => {
	it('lets only relay candidates through, and the end of candidates', () => {
		for (const text of [HOST, MDNS, SRFLX, PRFLX])
			expect(withoutAddresses(candidate(text))).toBeNull();
		// A relay candidate passes without the address it relays for (the person's own).
		expect(withoutAddresses(candidate(RELAY))).toEqual(candidate(RELAYED));
		expect(withoutAddresses(candidate(''))).toEqual(candidate(''));
		expect(withoutAddresses({ candidate: null })).toEqual({ candidate: null });
		expect(withoutAddresses({ restart: true })).toEqual({ restart: true });
	});

	it('takes every address but the relay’s out of a session description', () => {
		const sdp = [
			'v=0',
			'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
			'm=audio 61000 UDP/TLS/RTP/SAVPF 111',
			'c=IN IP4 203.0.113.7',
			'a=rtcp:61000 IN IP4 203.0.113.7',
			`a=${HOST}`,
			`a=${SRFLX}`,
			`a=${RELAY}`,
			'm=video 9 UDP/TLS/RTP/SAVPF 96',
			'c=IN IP6 2001:db8::7',
			''
		].join('\r\n');
		const passed = withoutAddresses({ description: { type: 'offer', sdp } });
		const text = passed && 'description' in passed ? passed.description.sdp! : '';
		expect(text).not.toMatch(/203\.0\.113\.7|192\.168\.1\.23|2001:db8::7/);
		expect(text).toContain('c=IN IP4 0.0.0.0');
		expect(text).toContain('c=IN IP6 ::');
		expect(text).toContain(`a=${RELAYED}`);
		expect(text.split('\r\n').filter((l) => l.startsWith('a=candidate:'))).toHaveLength(1);
		// The rest of the description is untouched.
		expect(text).toContain('m=video 9 UDP/TLS/RTP/SAVPF 96');
	});
});
