import { describe, expect, it } from 'vitest';
import { PublicUrl } from './public-url.ts';

const listen = (address: string, port = 41234) => ({ address, port, family: '' });

describe('PublicUrl', () => {
	it('is the configured PUBLIC_URL, which the address listened on does not change', () => {
		const url = new PublicUrl('https://mend.example.org');
		expect(url.href).toBe('https://mend.example.org');
		url.listening(listen('127.0.0.1'));
		expect(url.href).toBe('https://mend.example.org');
	});

	it('is not known before the server listens when nothing is configured', () => {
		expect(() => new PublicUrl(undefined).href).toThrow(/not known until its server listens/);
	});

	it('is the address listened on, with the port actually bound, decided once', () => {
		const url = new PublicUrl(undefined);
		url.listening(listen('192.168.1.20', 3000));
		expect(url.href).toBe('http://192.168.1.20:3000');
		url.listening(listen('10.0.0.1', 4000));
		expect(url.href).toBe('http://192.168.1.20:3000');
	});

	it('names loopback and every-interface addresses localhost, and brackets IPv6 ones', () => {
		for (const address of ['127.0.0.1', '0.0.0.0', '::', '::1']) {
			const url = new PublicUrl(undefined);
			url.listening(listen(address, 5173));
			expect(url.href).toBe('http://localhost:5173');
		}
		const v6 = new PublicUrl(undefined);
		v6.listening(listen('fd00::20'));
		expect(v6.href).toBe('http://[fd00::20]:41234');
	});
});
