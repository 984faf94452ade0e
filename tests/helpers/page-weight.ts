import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';

/** The JavaScript a page has loaded so far: in all and per script, as gzip -9 of each body. */
export interface ScriptWeight {
	bytes: number;
	/** Each script's path and gzip size, in the order they arrived. */
	scripts: Map<string, number>;
	/** Whether a script containing `marker` (from `weighScripts`) has arrived. */
	sawMarker: boolean;
}

/**
 * Counts every JavaScript file `page` loads from now on — as scripts or as module preloads —
 * once each, as gzip -9 of its body (what a server sends gzip-encoded). Chunk names are
 * hashes: a library is recognised by a `marker` string in its code.
 */
export function weighScripts(page: Page, marker?: string): ScriptWeight {
	const weight: ScriptWeight = { bytes: 0, scripts: new Map(), sawMarker: false };
	page.on('response', async (response) => {
		const url = new URL(response.url());
		if (!url.pathname.endsWith('.js') || weight.scripts.has(url.pathname)) return;
		weight.scripts.set(url.pathname, 0);
		const body = await response.body().catch(() => Buffer.alloc(0));
		const gzipped = gzipSync(body, { level: 9 }).length;
		weight.scripts.set(url.pathname, gzipped);
		weight.bytes += gzipped;
		if (marker && body.includes(marker)) weight.sawMarker = true;
	});
	return weight;
}
