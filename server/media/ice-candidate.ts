import { isIP } from 'node:net';

/**
 * An ICE candidate line (RFC 8839 §5.1), as far as Mend needs to judge it: where it says
 * packets go, and the extensions browsers use. Parsing is strict — one space between fields, a
 * foundation, component, priority and port in their ranges, an address that is an IP address
 * — and a candidate is passed on only as `formatCandidate` writes it, never as it came: what
 * the receiving browser reads is exactly what was judged.
 */
export interface IceCandidate {
	foundation: string;
	component: number;
	transport: 'udp' | 'tcp';
	priority: number;
	/** The IP address packets for this candidate go to, in its canonical text (canonicalIp). */
	address: string;
	port: number;
	type: 'host' | 'srflx' | 'prflx' | 'relay';
	/** The extensions kept (others are dropped), in the order browsers write them. */
	tcptype?: 'active' | 'passive' | 'so';
	generation?: number;
	ufrag?: string;
	networkId?: number;
	networkCost?: number;
}

const FOUNDATION = /^[A-Za-z0-9+/]{1,32}$/;
const UFRAG = /^[A-Za-z0-9+/]{1,256}$/;
const DIGITS = /^\d{1,10}$/;
const TYPES = new Set(['host', 'srflx', 'prflx', 'relay']);
const TCP_TYPES = new Set(['active', 'passive', 'so']);

/**
 * One textual form per IP address (`2001:DB8:0::1` and `2001:db8::1` are one address), or null
 * when the text is not an IP address: a host name, an mDNS name (`….local`), an address with a
 * zone (`fe80::1%eth0`), an IPv4 address with leading zeros.
 */
export function canonicalIp(text: string): string | null {
	const family = isIP(text);
	if (family === 4) return text;
	if (family !== 6) return null;
	try {
		// The URL parser writes an IPv6 address in its one compressed, lower-case form.
		return new URL(`http://[${text}]/`).hostname.slice(1, -1);
	} catch {
		return null;
	}
}

const number = (text: string, max: number): number | null =>
	DIGITS.test(text) && Number(text) <= max ? Number(text) : null;

/** `text` is a candidate's value (`candidate:…`, without `a=`); null unless it is well formed. */
export function parseCandidate(text: string): IceCandidate | null {
	const fields = text.split(' ');
	if (fields.length < 8 || fields.length % 2 !== 0) return null;
	const [head, componentText, transportText, priorityText, addressText, portText, typ, typeText] =
		fields;
	const foundation = /^candidate:(.*)$/i.exec(head)?.[1];
	const component = number(componentText, 256);
	const transport = transportText.toLowerCase();
	const priority = number(priorityText, 2 ** 32 - 1);
	const address = canonicalIp(addressText);
	const port = number(portText, 65535);
	const type = typeText.toLowerCase();
	if (
		!foundation ||
		!FOUNDATION.test(foundation) ||
		!component ||
		(transport !== 'udp' && transport !== 'tcp') ||
		priority === null ||
		!address ||
		port === null ||
		typ.toLowerCase() !== 'typ' ||
		!TYPES.has(type)
	)
		return null;
	const candidate: IceCandidate = {
		foundation,
		component,
		transport,
		priority,
		address,
		port,
		type: type as IceCandidate['type']
	};
	// Then name–value pairs: raddr/rport (the address behind a reflexive or relayed one, read
	// and thrown away: never passed on), tcptype, and browsers' own extensions.
	for (let i = 8; i < fields.length; i += 2) {
		const name = fields[i].toLowerCase();
		const value = fields[i + 1];
		if (!name || !value) return null;
		if (name === 'raddr' || name === 'rport') continue;
		if (name === 'tcptype') {
			if (!TCP_TYPES.has(value.toLowerCase())) return null;
			candidate.tcptype = value.toLowerCase() as IceCandidate['tcptype'];
		} else if (name === 'generation') candidate.generation = number(value, 2 ** 32) ?? undefined;
		else if (name === 'ufrag') candidate.ufrag = UFRAG.test(value) ? value : undefined;
		else if (name === 'network-id') candidate.networkId = number(value, 2 ** 32) ?? undefined;
		else if (name === 'network-cost') candidate.networkCost = number(value, 2 ** 32) ?? undefined;
	}
	return candidate;
}

/**
 * The candidate in the form browsers write it. A reflexive or relayed candidate names no
 * address behind it: `raddr 0.0.0.0 rport 0`, as browsers themselves write when they hide it.
 */
export function formatCandidate(c: IceCandidate): string {
	const parts = [
		`candidate:${c.foundation}`,
		c.component,
		c.transport,
		c.priority,
		c.address,
		c.port,
		'typ',
		c.type
	];
	if (c.type !== 'host') parts.push('raddr', '0.0.0.0', 'rport', 0);
	if (c.tcptype) parts.push('tcptype', c.tcptype);
	if (c.generation !== undefined) parts.push('generation', c.generation);
	if (c.ufrag) parts.push('ufrag', c.ufrag);
	if (c.networkId !== undefined) parts.push('network-id', c.networkId);
	if (c.networkCost !== undefined) parts.push('network-cost', c.networkCost);
	return parts.join(' ');
}
