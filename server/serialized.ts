import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';

/**
 * An event argument already serialized to JSON. The control plane serializes each person's
 * view once — to know whether it changed — and the encoder below puts that text in the packet
 * as it is, instead of walking and stringifying the same object a second time. What a client
 * receives is byte for byte what socket.io would have sent.
 */
export class Serialized<T> {
	declare readonly value?: T;
	readonly json: string;

	constructor(json: string) {
		this.json = json;
	}

	/** Anything else that serializes it (a log line, another encoder) sees the value itself. */
	toJSON(): T {
		return JSON.parse(this.json) as T;
	}
}

/** A serialized argument where the typed events name its value: the client receives the value. */
export const asSent = <T>(serialized: Serialized<T>): T => serialized as unknown as T;

/**
 * socket.io's encoder, except for events whose first argument is Serialized: written as
 * `2[<event>,<arg>,…]` (namespace and ack id as socket.io writes them) without a second
 * stringify and without the search for binary attachments (a Serialized packet has none).
 */
class SerializedEncoder extends Encoder {
	override encode(packet: Packet): ReturnType<Encoder['encode']> {
		const args: unknown[] | undefined = packet.data;
		if (packet.type !== PacketType.EVENT || !(args?.[1] instanceof Serialized))
			return super.encode(packet);
		let text = String(PacketType.EVENT);
		if (packet.nsp && packet.nsp !== '/') text += `${packet.nsp},`;
		if (packet.id !== undefined && packet.id !== null) text += packet.id;
		text += '[';
		for (let i = 0; i < args.length; i++) {
			const arg = args[i];
			if (i > 0) text += ',';
			text += arg instanceof Serialized ? arg.json : (JSON.stringify(arg) ?? 'null');
		}
		return [`${text}]`];
	}
}

/**
 * socket.io's decoder, refusing binary attachments: Mend's events carry none. A packet that
 * announces some makes the decoder keep each one it receives until the last has come — ten of
 * 64 KB per connection, before any handshake: 300 connections held 185 MB that way. Now such
 * a packet is a protocol error and its connection is closed.
 */
class PlainDecoder extends Decoder {
	constructor() {
		super({ maxAttachments: 0 });
	}
}

/** The `parser` option of the socket.io server. */
export const serializedParser = { Encoder: SerializedEncoder, Decoder: PlainDecoder };
