import type { EventEmitter } from 'node:events';

/** What is read here of an engine.io socket (engine.io's own `Socket`). */
interface EngineSocket extends EventEmitter {
	readyState: string;
	transport: { name: string; socket?: { bufferedAmount: number; terminate(): void } };
	close(discard?: boolean): void;
}

const sizeOf = (data: unknown): number =>
	typeof data === 'string'
		? data.length
		: data instanceof ArrayBuffer || ArrayBuffer.isView(data)
			? data.byteLength
			: 0;

/** What the socket's WebSocket holds that the network has not taken yet. */
const held = ({ transport }: EngineSocket): number =>
	transport.name === 'websocket' ? (transport.socket?.bufferedAmount ?? 0) : 0;

/**
 * Lets go of every engine.io connection that does not read what it is sent.
 *
 * engine.io queues what it sends to a socket in its write buffer while the transport is busy
 * (a WebSocket whose previous send has not been written out, a long-polling client that has
 * not polled again), and the WebSocket queues what the network has not taken: neither has a
 * ceiling. A browser that stops reading (or a client made to) while views, media updates and
 * signals keep coming would hold all of them in the server until its heartbeat times out.
 *
 * So each packet created for a socket is counted (until the buffer is flushed to the
 * transport) and added to what its WebSocket still holds; beyond `maxBytes` the connection is
 * closed and its buffers dropped. The client sees its transport close and reconnects as from
 * any dropped link (socket.io-client does), and the session puts the person back where they
 * were, with their current view: nothing they missed is needed. The close happens after the
 * current turn, not inside a broadcast that is still sending to others.
 */
export function closeSlowReaders(
	engine: EventEmitter,
	maxBytes: number,
	onClose: (socket: EngineSocket, waitingBytes: number) => void
): void {
	engine.on('connection', (socket: EngineSocket) => {
		let waiting = 0;
		let closing = false;
		socket.on('packetCreate', (packet: { data?: unknown }) => {
			waiting += sizeOf(packet.data);
			if (closing) return;
			if (waiting + held(socket) <= maxBytes) return;
			closing = true;
			process.nextTick(() => {
				if (socket.readyState === 'closed') return;
				onClose(socket, waiting + held(socket));
				const ws = socket.transport.name === 'websocket' ? socket.transport.socket : undefined;
				socket.close(true);
				// What the WebSocket still holds goes too: the client is not reading it.
				ws?.terminate();
			});
		});
		socket.on('flush', () => (waiting = 0));
	});
}
