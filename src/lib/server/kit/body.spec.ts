import { describe, expect, it } from 'vitest';
import { readBodyText } from './body.ts';

describe('readBodyText', () => {
	it('reads a body up to the limit', async () => {
		const request = new Request('http://mend.test/', { method: 'POST', body: 'x'.repeat(10) });
		expect(await readBodyText(request, 10)).toBe('x'.repeat(10));
	});

	it('refuses a body whose Content-Length is over the limit without reading it', async () => {
		const request = new Request('http://mend.test/', {
			method: 'POST',
			body: 'x'.repeat(11),
			headers: { 'content-length': '11' }
		});
		expect(await readBodyText(request, 10)).toBeNull();
		expect(request.bodyUsed).toBe(false);
	});

	it('stops reading a streamed body as soon as it passes the limit', async () => {
		let pulled = 0;
		const body = new ReadableStream<Uint8Array>({
			pull(controller) {
				pulled++;
				controller.enqueue(new Uint8Array(1024));
			}
		});
		// Node needs `duplex` for a streamed body; the DOM typings do not know it.
		const init = { method: 'POST', body, duplex: 'half' } as RequestInit;
		const request = new Request('http://mend.test/', init);
		expect(await readBodyText(request, 4096)).toBeNull();
		expect(pulled).toBeLessThan(10);
	});
});
