import type { SignalPayload } from '#lib/protocol/media.ts';

/**
 * What a browser may learn of another's network address through signalling, between two
 * sides of a case (a victim and theirs, an offender and theirs). An IP address tells where
 * someone is; between the sides only relay (TURN) candidates pass, so the two browsers can only
 * meet through the TURN server and neither sees the other's address, whatever the other
 * browser offers. A direct connection would show it: from the packets themselves, not only
 * from the candidates.
 *
 * Returns the payload as it may pass, or null when nothing of it may.
 */
export function withoutAddresses(payload: SignalPayload): SignalPayload | null {
	if ('candidate' in payload) {
		const { candidate } = payload;
		// null or '' is the end of the candidates: no address in it.
		if (!candidate?.candidate) return payload;
		if (!isRelay(candidate.candidate)) return null;
		return { candidate: { ...candidate, candidate: withoutRelated(candidate.candidate) } };
	}
	if ('description' in payload && payload.description.sdp !== undefined)
		return {
			description: { ...payload.description, sdp: sdpWithoutAddresses(payload.description.sdp) }
		};
	return payload;
}

const isRelay = (candidate: string) => / typ relay(?: |$)/.test(candidate);

/** A relay candidate names the address it relays for (`raddr`): the person's own. */
const withoutRelated = (candidate: string) =>
	candidate.replace(/ raddr \S+ rport \d+/, ' raddr 0.0.0.0 rport 0');

/** The SDP with its non-relay candidates removed and its connection addresses blanked. */
function sdpWithoutAddresses(sdp: string): string {
	return sdp
		.split(/\r\n|\n/)
		.filter((line) => !line.startsWith('a=candidate:') || isRelay(line))
		.map((line) =>
			withoutRelated(line)
				.replace(/^c=IN IP4 \S+/, 'c=IN IP4 0.0.0.0')
				.replace(/^c=IN IP6 \S+/, 'c=IN IP6 ::')
				.replace(/^a=rtcp:(\d+) IN IP4 \S+/, 'a=rtcp:$1 IN IP4 0.0.0.0')
				.replace(/^a=rtcp:(\d+) IN IP6 \S+/, 'a=rtcp:$1 IN IP6 ::')
		)
		.join('\r\n');
}
