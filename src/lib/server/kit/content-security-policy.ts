import type { Config } from '@sveltejs/kit/vite';

type CspDirectives = NonNullable<NonNullable<Config['csp']>['directives']>;

/**
 * The Content-Security-Policy of every page. SvelteKit sends it (`csp` in vite.config.ts) and
 * adds a fresh nonce per response for the scripts and styles it writes into the page itself,
 * so no inline script runs unless SvelteKit put it there: an injected `<script>` or `onclick`
 * does nothing. What is known only at run time — the WebSocket origin, the LiveKit server —
 * is added to `connect-src` by the server hook (`completeContentSecurityPolicy`).
 *
 * Styles are as strict as scripts: Svelte sets styles from script through the CSSOM
 * (`element.style`), which a policy does not govern, and Mend's pages write no `style`
 * attribute into their HTML. The one style attribute allowed, by its hash, is SvelteKit's own:
 * the visually hidden element that announces client-side navigations to screen readers
 * (`svelte-announcer` in @sveltejs/kit's root.svelte). If an upgrade of SvelteKit changes it,
 * every browser test fails on the violation, naming the new hash.
 */
const SVELTEKIT_ANNOUNCER_STYLE = 'sha256-S8qMpvofolR8Mpjy4kQvEm7m1q8clzU4dfDH0AmvZjo=';

export const CSP_DIRECTIVES: CspDirectives = {
	'default-src': ['self'],
	'script-src': ['self'],
	'style-src': ['self'],
	'style-src-attr': ['unsafe-hashes', SVELTEKIT_ANNOUNCER_STYLE],
	// LiveKit's end-to-end encryption runs in a worker, a file of Mend's own build.
	'worker-src': ['self'],
	// Pages read and write only Mend (fetch, socket.io, the collaboration socket), plus LiveKit.
	'connect-src': ['self'],
	'img-src': ['self'],
	'object-src': ['none'],
	'base-uri': ['none'],
	'form-action': ['self'],
	'frame-ancestors': ['none']
};

type Directives = Map<string, string[]>;

function parse(header: string): Directives {
	const directives: Directives = new Map();
	for (const part of header.split(';')) {
		const [name, ...sources] = part.trim().split(/\s+/);
		if (name) directives.set(name.toLowerCase(), sources);
	}
	return directives;
}

const serialize = (directives: Directives): string =>
	[...directives].map(([name, sources]) => [name, ...sources].join(' ')).join('; ');

/**
 * Where a LiveKit client connects for `url` (LIVEKIT_URL, ws(s):// or http(s)://): the server's
 * WebSocket and its HTTP form (the client asks `/rtc/validate` when a connection fails). LiveKit
 * Cloud hands out region servers under the same domain, e.g. `wss://p.ohio1a.production.livekit.cloud`.
 */
export function livekitSources(url: string): string[] {
	const { protocol, host, hostname } = new URL(url);
	const secure = protocol === 'wss:' || protocol === 'https:';
	const sources = [`${secure ? 'wss' : 'ws'}://${host}`, `${secure ? 'https' : 'http'}://${host}`];
	const cloud = ['livekit.cloud', 'livekit.run'].find((domain) => hostname.endsWith(`.${domain}`));
	if (cloud) sources.push(`wss://*.${cloud}`, `https://*.${cloud}`);
	return sources;
}

/**
 * The page's policy with what only the server knows at run time added to `connect-src`: the
 * WebSocket origin of this Mend (`'self'` covers it in current browsers, not in every one
 * people still use) and the configured LiveKit server, if any.
 */
export function completeContentSecurityPolicy(
	header: string,
	{ origin, livekitUrl }: { origin: string; livekitUrl: string | null }
): string {
	const directives = parse(header);
	const connect = directives.get('connect-src') ?? [...(directives.get('default-src') ?? [])];
	const websocket = origin.replace(/^http/, 'ws');
	const added = [websocket, ...(livekitUrl ? livekitSources(livekitUrl) : [])];
	directives.set('connect-src', [...new Set([...connect, ...added])]);
	return serialize(directives);
}
