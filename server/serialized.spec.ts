import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { Serialized, serializedParser } from './serialized.ts';

const view = { seq: 7, serverTime: 1_700_000_000_000, audience: 'party', name: 'Ana "Ré" ✓' };
const media = { room: 'joint', transport: null };

function decode(text: string): Promise<Packet> {
	const decoder = new Decoder();
	return new Promise((resolve) => {
		decoder.on('decoded', resolve);
		decoder.add(text);
	});
}

describe('the serialized encoder', () => {
	const encoder = new serializedParser.Encoder();
	const plain = new Encoder();

	it('writes an event with a serialized argument exactly as socket.io writes the value', () => {
		const packet = (arg: unknown): Packet => ({
			type: PacketType.EVENT,
			nsp: '/',
			data: ['view', arg, media]
		});
		expect(encoder.encode(packet(new Serialized(JSON.stringify(view))))).toEqual(
			plain.encode(packet(view))
		);
	});

	it('keeps the namespace and the acknowledgement id', async () => {
		const packet = (arg: unknown): Packet => ({
			type: PacketType.EVENT,
			nsp: '/admin',
			id: 12,
			data: ['view', arg]
		});
		const [text] = encoder.encode(packet(new Serialized(JSON.stringify(view))));
		expect(text).toBe(plain.encode(packet(view))[0]);
		expect(await decode(text as string)).toMatchObject({
			nsp: '/admin',
			id: 12,
			data: ['view', view]
		});
	});

	it('leaves every other packet to socket.io', () => {
		const ack: Packet = { type: PacketType.ACK, nsp: '/', id: 3, data: [{ ok: true }] };
		const event: Packet = { type: PacketType.EVENT, nsp: '/', data: ['media', media] };
		expect(encoder.encode(ack)).toEqual(plain.encode(ack));
		expect(encoder.encode(event)).toEqual(plain.encode(event));
	});

	it('shows the value to any other serializer', () => {
		expect(JSON.stringify({ view: new Serialized(JSON.stringify(view)) })).toBe(
			JSON.stringify({ view })
		);
	});
});
