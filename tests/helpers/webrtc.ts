import type { BrowserContext, Page } from 'playwright-core';

/** Keeps every RTCPeerConnection a page makes, so a test can read its statistics. */
export async function recordPeerConnections(context: BrowserContext): Promise<void> {
	await context.addInitScript(() => {
		const Original = window.RTCPeerConnection;
		const made: RTCPeerConnection[] = [];
		(window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = made;
		window.RTCPeerConnection = class extends Original {
			constructor(config?: RTCConfiguration) {
				super(config);
				made.push(this);
			}
		} as typeof RTCPeerConnection;
	});
}

export interface LinkStats {
	peer: string;
	state: RTCPeerConnectionState;
	audioIn: number;
	videoIn: number;
	audioOut: number;
	videoOut: number;
}

/** Bytes received and sent, by kind, on each of the page's links (named by peer id). */
export function linkStats(page: Page): Promise<LinkStats[]> {
	return page.evaluate(async () => {
		const pcs = (window as unknown as { __pcs: (RTCPeerConnection & { mendPeerId?: string })[] })
			.__pcs;
		return Promise.all(
			pcs.map(async (pc) => {
				const row = {
					peer: pc.mendPeerId ?? '?',
					state: pc.connectionState,
					audioIn: 0,
					videoIn: 0,
					audioOut: 0,
					videoOut: 0
				};
				if (pc.connectionState === 'closed') return row;
				(await pc.getStats()).forEach((r) => {
					if (r.type === 'inbound-rtp')
						row[r.kind === 'audio' ? 'audioIn' : 'videoIn'] += r.bytesReceived ?? 0;
					if (r.type === 'outbound-rtp')
						row[r.kind === 'audio' ? 'audioOut' : 'videoOut'] += r.bytesSent ?? 0;
				});
				return row;
			})
		);
	});
}

/** How much each kind grew on the link to `peer` over `ms` (0 when there is no open link). */
export async function growth(
	page: Page,
	peer: string,
	ms = 1500
): Promise<{ audioIn: number; videoIn: number; audioOut: number; videoOut: number }> {
	const pick = (rows: LinkStats[]) => rows.find((r) => r.peer === peer && r.state !== 'closed');
	const before = pick(await linkStats(page));
	await page.waitForTimeout(ms);
	const after = pick(await linkStats(page));
	if (!before || !after) return { audioIn: 0, videoIn: 0, audioOut: 0, videoOut: 0 };
	return {
		audioIn: after.audioIn - before.audioIn,
		videoIn: after.videoIn - before.videoIn,
		audioOut: after.audioOut - before.audioOut,
		videoOut: after.videoOut - before.videoOut
	};
}

/** Waits until `test` holds for the page's links (media takes a second or two to flow). */
export async function eventually<T>(
	probe: () => Promise<T>,
	test: (value: T) => boolean,
	timeoutMs = 15_000
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let value = await probe();
	while (!test(value)) {
		if (Date.now() > deadline)
			throw new Error(`condition not met; last value ${JSON.stringify(value)}`);
		value = await probe();
	}
	return value;
}

/** Open (not closed) links of a page, by peer id. */
export async function openLinks(page: Page): Promise<string[]> {
	return (await linkStats(page)).filter((r) => r.state !== 'closed').map((r) => r.peer);
}

export interface SeenCandidate {
	/** The link's peer id. */
	peer: string;
	side: 'local' | 'remote';
	type: RTCIceCandidateType;
	address: string;
	port: number;
}

/** Every ICE candidate the page's open links know, their own and the other end's. */
export function iceCandidates(page: Page): Promise<SeenCandidate[]> {
	return page.evaluate(async () => {
		const pcs = (window as unknown as { __pcs: (RTCPeerConnection & { mendPeerId?: string })[] })
			.__pcs;
		const seen: SeenCandidate[] = [];
		for (const pc of pcs) {
			if (pc.connectionState === 'closed') continue;
			(await pc.getStats()).forEach((r) => {
				if (r.type === 'local-candidate' || r.type === 'remote-candidate')
					seen.push({
						peer: pc.mendPeerId ?? '?',
						side: r.type === 'local-candidate' ? 'local' : 'remote',
						type: r.candidateType,
						address: r.address ?? r.ip,
						port: r.port
					});
			});
		}
		return seen;
	});
}

export interface SelectedPair {
	local: { type: RTCIceCandidateType; address: string };
	remote: { type: RTCIceCandidateType; address: string };
}

/**
 * The candidate pair the newest open link to `peer` sends on (the one whose remote end has ICE
 * username fragment `remoteUfrag`, if given), or null while there is none; and whether every
 * pair of that link has been tried (a check sent, or given up on). A remote candidate the
 * browser learned from a check (prflx) has its address hidden by Chromium: ''.
 */
export async function selectedPair(
	page: Page,
	peer: string,
	remoteUfrag?: string
): Promise<(SelectedPair & { allTried: boolean }) | null> {
	return page.evaluate(
		async ({ peer, remoteUfrag }) => {
			const pcs = (window as unknown as { __pcs: (RTCPeerConnection & { mendPeerId?: string })[] })
				.__pcs;
			const pc = pcs.findLast(
				(p) =>
					p.mendPeerId === peer &&
					p.connectionState !== 'closed' &&
					(!remoteUfrag || p.remoteDescription?.sdp.includes(`a=ice-ufrag:${remoteUfrag}\r\n`))
			);
			if (!pc) return null;
			const stats = new Map<string, Record<string, never>>();
			(await pc.getStats()).forEach((r) => stats.set(r.id, r));
			const reports = [...stats.values()] as Record<string, unknown>[];
			const transport = reports.find((r) => r.type === 'transport' && r.selectedCandidatePairId);
			const pair = transport && stats.get(transport.selectedCandidatePairId as string);
			if (!pair) return null;
			const end = (id: string) => {
				const c = stats.get(id) as Record<string, string>;
				return { type: c.candidateType as RTCIceCandidateType, address: c.address ?? c.ip };
			};
			const pairs = reports.filter((r) => r.type === 'candidate-pair');
			return {
				local: end(pair.localCandidateId),
				remote: end(pair.remoteCandidateId),
				allTried: pairs.every((p) => Number(p.requestsSent) > 0 || p.state === 'failed')
			};
		},
		{ peer, remoteUfrag }
	);
}
