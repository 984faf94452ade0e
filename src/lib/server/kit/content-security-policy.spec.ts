import { describe, expect, it } from 'vitest';
import { completeContentSecurityPolicy, livekitSources } from './content-security-policy.ts';

/** What SvelteKit sends for a page, nonce included (the build-time directives). */
const BUILT =
	"default-src 'self'; connect-src 'self'; script-src 'self' 'nonce-abc'; object-src 'none'";

const directive = (header: string, name: string) =>
	header
		.split('; ')
		.find((part) => part.startsWith(`${name} `))
		?.split(' ')
		.slice(1);

describe('completing the page policy at run time', () => {
	it('lets pages reach Mend’s own WebSocket origin, ws over http and wss over https', () => {
		const plain = completeContentSecurityPolicy(BUILT, {
			origin: 'http://127.0.0.1:3000',
			livekitUrl: null
		});
		expect(directive(plain, 'connect-src')).toEqual(["'self'", 'ws://127.0.0.1:3000']);
		const secure = completeContentSecurityPolicy(BUILT, {
			origin: 'https://mend.example.org',
			livekitUrl: null
		});
		expect(directive(secure, 'connect-src')).toEqual(["'self'", 'wss://mend.example.org']);
	});

	it('adds the configured LiveKit server and changes nothing else', () => {
		const header = completeContentSecurityPolicy(BUILT, {
			origin: 'https://mend.example.org',
			livekitUrl: 'wss://livekit.example.org'
		});
		expect(directive(header, 'connect-src')).toEqual([
			"'self'",
			'wss://mend.example.org',
			'wss://livekit.example.org',
			'https://livekit.example.org'
		]);
		expect(directive(header, 'script-src')).toEqual(["'self'", "'nonce-abc'"]);
		expect(header.replace(/connect-src [^;]*/, '')).toBe(BUILT.replace(/connect-src [^;]*/, ''));
	});
});

describe('where a LiveKit client connects', () => {
	it('is the server’s WebSocket and its HTTP form, whichever form LIVEKIT_URL is given in', () => {
		const secure = ['wss://lk.example.org:7443', 'https://lk.example.org:7443'];
		expect(livekitSources('wss://lk.example.org:7443')).toEqual(secure);
		expect(livekitSources('https://lk.example.org:7443/')).toEqual(secure);
		expect(livekitSources('http://127.0.0.1:7880')).toEqual([
			'ws://127.0.0.1:7880',
			'http://127.0.0.1:7880'
		]);
	});

	it('includes LiveKit Cloud’s region servers of the same domain, and only for LiveKit Cloud', () => {
		expect(livekitSources('wss://mend-abc.livekit.cloud')).toEqual([
			'wss://mend-abc.livekit.cloud',
			'https://mend-abc.livekit.cloud',
			'wss://*.livekit.cloud',
			'https://*.livekit.cloud'
		]);
		expect(livekitSources('wss://livekit.cloud.example.org')).toHaveLength(2);
	});
});
