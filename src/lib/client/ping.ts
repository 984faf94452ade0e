/** Round-trip time to Mend over HTTP (ms), or null when unreachable: the connection check. */
export async function ping(): Promise<number | null> {
	const started = performance.now();
	try {
		const response = await fetch('/api/health', { cache: 'no-store' });
		// Read to the end: the browser holds an unread body's request open (a `no-store` answer
		// is not drained into its cache), one more every five seconds.
		await response.arrayBuffer();
		if (!response.ok) return null;
		return Math.round(performance.now() - started);
	} catch {
		return null;
	}
}
