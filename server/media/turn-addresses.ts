import { lookup as dnsLookup } from 'node:dns/promises';
import type { Logger } from '#lib/server/log.ts';
import { canonicalIp } from './ice-candidate.ts';

/** The addresses of the configured TURN servers: the only ones a candidate between the sides may name. */
export interface RelayAddresses {
	/** `address` in canonical form (canonicalIp). */
	has(address: string): boolean;
}

/** DNS can change: TURN host names are looked up again this often. */
export const TURN_ADDRESSES_REFRESH_MS = 5 * 60_000;
/** …and this often while one of them has no address yet (DNS down at start, a typo). */
export const TURN_ADDRESSES_RETRY_MS = 30_000;
/** Mend starts after this long even if DNS has not answered; until it does, that server's candidates are dropped. */
const FIRST_LOOKUP_WAIT_MS = 10_000;

/**
 * The host a `turn:` or `turns:` URL names (RFC 7065: `turn:host[:port][?transport=…]`, an IPv6
 * address in brackets), or null when it is not such a URL.
 */
export function turnHostOf(url: string): string | null {
	const match =
		/^turns?:(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::\d{1,5})?(?:\?transport=(?:udp|tcp))?$/i.exec(
			url
		);
	if (!match) return null;
	if (match[1]) return canonicalIp(match[1]);
	const host = match[2];
	// A dotted name of digits only is an IPv4 address or nothing (never looked up as a name).
	if (/^[\d.]+$/.test(host)) return canonicalIp(host);
	return host.toLowerCase();
}

type Lookup = (host: string) => Promise<string[]>;

const systemLookup: Lookup = async (host) =>
	(await dnsLookup(host, { all: true })).map((entry) => entry.address);

export interface WatchedRelayAddresses extends RelayAddresses {
	/** Every address known now, for the log and tests. */
	list(): string[];
	/** Looks every host name up again now (the timer does it on its own). */
	refresh(): Promise<void>;
	stop(): void;
}

/**
 * The addresses of the TURN servers named by `urls`, kept fresh: IP addresses as they are,
 * host names looked up (every address they have) at start and again every few minutes. A
 * failed lookup keeps the addresses the name had; a name never resolved has none, and
 * candidates at its servers are dropped until it resolves — never let through unchecked.
 */
export async function watchRelayAddresses(
	urls: string[],
	log: Logger,
	options: { lookup?: Lookup; refreshMs?: number; retryMs?: number } = {}
): Promise<WatchedRelayAddresses> {
	const lookup = options.lookup ?? systemLookup;
	const hosts = [...new Set(urls.map(turnHostOf).filter((host): host is string => Boolean(host)))];
	const fixed = hosts.filter((host) => canonicalIp(host));
	const names = hosts.filter((host) => !canonicalIp(host));
	const resolved = new Map<string, string[]>();
	let known = new Set(fixed);
	let timer: ReturnType<typeof setTimeout> | undefined;
	let stopped = false;

	async function refresh(): Promise<void> {
		await Promise.all(
			names.map(async (name) => {
				try {
					const addresses = (await lookup(name))
						.map(canonicalIp)
						.filter((address): address is string => Boolean(address));
					if (addresses.length) resolved.set(name, addresses);
				} catch (error) {
					log[resolved.has(name) ? 'warn' : 'error'](
						resolved.has(name)
							? 'media: a TURN server name did not resolve; keeping its last addresses'
							: 'media: a TURN server name does not resolve; between the sides no media passes through it until it does',
						{ host: name, error }
					);
				}
			})
		);
		known = new Set([...fixed, ...[...resolved.values()].flat()]);
	}

	function schedule(): void {
		if (stopped || !names.length) return;
		const missing = names.some((name) => !resolved.has(name));
		timer = setTimeout(
			() => void refresh().finally(schedule),
			missing
				? (options.retryMs ?? TURN_ADDRESSES_RETRY_MS)
				: (options.refreshMs ?? TURN_ADDRESSES_REFRESH_MS)
		);
		timer.unref();
	}

	const first = refresh();
	let waited: ReturnType<typeof setTimeout> | undefined;
	await Promise.race([
		first,
		new Promise((resolve) => (waited = setTimeout(resolve, FIRST_LOOKUP_WAIT_MS)))
	]);
	clearTimeout(waited);
	void first.finally(schedule);

	return {
		has: (address) => known.has(address),
		list: () => [...known],
		refresh,
		stop: () => {
			stopped = true;
			clearTimeout(timer);
		}
	};
}
