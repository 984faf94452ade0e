/**
 * A request body as text, read no further than `maxBytes`: null when it is longer. A
 * Content-Length that says so is refused before anything is read; a body without one is cut
 * off as soon as it passes the limit, so an endpoint never holds more than it would take.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string | null> {
	const declared = Number(request.headers.get('content-length') ?? 0);
	if (declared > maxBytes) return null;
	if (!request.body) return '';
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let length = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		length += value.byteLength;
		if (length > maxBytes) {
			await reader.cancel();
			return null;
		}
		chunks.push(value);
	}
	return Buffer.concat(chunks, length).toString('utf8');
}
