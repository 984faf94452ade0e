import type { AddressInfo } from 'node:net';

/**
 * Where people reach Mend. Every address Mend writes for someone to follow starts with it, and
 * with nothing else: invitation links and their calendar files, reminders, survey links, staff
 * notices, the links shown to staff to pass on, and the "upload it at …/verify" line printed in
 * a signed agreement. Never a request's Host or X-Forwarded-Host: whoever sends a request
 * chooses those, and a signer once chose the address printed in everyone's signed PDF.
 *
 * It is PUBLIC_URL when configured (required in production). Otherwise, for trying Mend out and
 * for tests, it is Mend's own address as it listens, decided once, when its server starts
 * listening (with PORT=0, the port it got): an address on the machine becomes `localhost`.
 */
export class PublicUrl {
	#href: string | undefined;

	constructor(configured: string | undefined) {
		this.#href = configured;
	}

	/** E.g. `https://mend.example.org`, without a trailing slash: links append `/join/…`. */
	get href(): string {
		if (this.#href === undefined)
			throw new Error('Mend’s public address is not known until its server listens');
		return this.#href;
	}

	/** The host calls this once its server listens; a configured PUBLIC_URL stays as it was. */
	listening(address: AddressInfo | string | null): void {
		if (this.#href !== undefined) return;
		if (!address || typeof address === 'string')
			throw new Error('Mend listens on a pipe: set PUBLIC_URL to say where people reach it');
		this.#href = `http://${hostName(address.address)}:${address.port}`;
	}
}

/** Loopback and "every interface" are reached from this machine as `localhost`. */
function hostName(address: string): string {
	if (address === '0.0.0.0' || address === '::' || address === '::1') return 'localhost';
	if (/^127\./.test(address) || address === '::ffff:127.0.0.1') return 'localhost';
	return address.includes(':') ? `[${address}]` : address;
}
