/** Round-trip time to Mend over HTTP (ms), or null when unreachable: the connection check. */
export async function ping(): Promise<number | null> {
	const started = performance.now();
	try {
		const response = await fetch('/api/health', { cache: 'no-store' });
		if (!response.ok) return null;
		return Math.round(performance.now() - started);
	} catch {
		return null;
	}
}
