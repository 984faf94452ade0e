import type { SignalPayload } from '#lib/protocol/media.ts';
import { formatCandidate, parseCandidate } from './ice-candidate.ts';
import type { RelayAddresses } from './turn-addresses.ts';

/**
 * What a browser may learn of another's network address through signalling, and where it may
 * be made to send packets, between the two sides of a case (a victim and theirs, an offender
 * and theirs). An IP address tells where someone is. Between the sides a candidate passes only
 * if the address it names is one of the configured TURN servers' — what it says of itself
 * (`typ relay`) counts for nothing, since a modified client writes what it likes — so every
 * packet either browser sends toward the other goes to the TURN server, and neither ever
 * learns the other's address. (Each browser also restricts itself to relays toward the other
 * side, `relayOnly` in its transport: this is the server's half.)
 *
 * Returns the payload as it may pass, or null when nothing of it may.
 */
export function acrossSides(payload: SignalPayload, relays: RelayAddresses): SignalPayload | null {
	if ('candidate' in payload) {
		const { candidate } = payload;
		// null or '' is the end of the candidates: no address in it.
		if (!candidate?.candidate) return payload;
		const passed = relayCandidate(candidate.candidate, relays);
		return passed ? { candidate: { ...candidate, candidate: passed } } : null;
	}
	if ('description' in payload && payload.description.sdp !== undefined)
		return {
			description: { ...payload.description, sdp: sdpAcrossSides(payload.description.sdp, relays) }
		};
	return payload;
}

/**
 * The candidate as it may pass — rewritten in the one form `formatCandidate` writes, without
 * the address behind it (`raddr`) — or null unless it is well formed and names a TURN server's
 * address. Whatever its type says: a host candidate at the TURN server's address reaches the
 * TURN server too.
 */
function relayCandidate(text: string, relays: RelayAddresses): string | null {
	const candidate = parseCandidate(text);
	return candidate && relays.has(candidate.address) ? formatCandidate(candidate) : null;
}

/**
 * A session description as it may pass: each line judged on its own, whatever ends it (CRLF,
 * LF or a lone CR: a candidate hidden after a CR is a line here), and the lines joined with
 * CRLF, so the browser reads exactly the lines judged.
 */
function sdpAcrossSides(sdp: string, relays: RelayAddresses): string {
	const lines: string[] = [];
	for (const line of sdp.split(/\r\n|\r|\n/)) {
		const passed = sdpLine(line, relays);
		if (passed !== null) lines.push(passed);
	}
	return lines.join('\r\n');
}

/** One line of a description as it may pass, or null to drop it. */
function sdpLine(line: string, relays: RelayAddresses): string | null {
	// a=candidate in any case: browsers differ in how they read it, so it is judged either way.
	if (/^a=candidate:/i.test(line)) {
		const passed = relayCandidate(line.slice(2), relays);
		return passed ? `a=${passed}` : null;
	}
	// The controlling agent's list of the candidates it chose: addresses, and no use here.
	if (/^a=remote-candidates\b/i.test(line)) return null;
	// Connection and RTCP addresses: ICE does not use them; the address is blanked.
	if (/^c=/i.test(line)) return /\bIP6\b/i.test(line) ? 'c=IN IP6 ::' : 'c=IN IP4 0.0.0.0';
	if (/^a=rtcp:/i.test(line)) {
		const port = /^a=rtcp:(\d{1,5})\b/i.exec(line)?.[1];
		if (!port) return null;
		return /\bIP6\b/i.test(line) ? `a=rtcp:${port} IN IP6 ::` : `a=rtcp:${port} IN IP4 0.0.0.0`;
	}
	// The origin names an address too (browsers write 127.0.0.1 or 0.0.0.0; a modified client, any).
	if (/^o=/i.test(line)) {
		const origin = /^o=(\S+) (\d+) (\d+) IN IP[46] \S+$/.exec(line);
		return origin ? `o=${origin[1]} ${origin[2]} ${origin[3]} IN IP4 127.0.0.1` : null;
	}
	return line;
}
