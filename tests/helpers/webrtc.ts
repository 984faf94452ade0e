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
