import type { EventEmitter } from 'node:events';

/** What is read here of an engine.io socket (engine.io's own `Socket`). */
interface EngineSocket {
	writeBuffer: unknown[];
	transport: { name: string };
}

/**
 * Empties each write buffer engine.io has just handed to a WebSocket.
 *
 * At every flush engine.io gives the socket's array of packets to the transport and starts a
 * new, empty one; the sent array is left to the collector with its packets still in it. A
 * connection that receives a message every few hundred milliseconds (a person in a session)
 * keeps its array through two young-generation collections, so the array is in the old
 * generation by the time the next packets are pushed into it. Once sent and dropped it stays
 * there, dead but uncollected until the next full collection, and its stale references keep
 * the packets it held — with the views they carry — alive through every young collection, so
 * they are moved to the old generation as well. At 1000 sessions that was most of what filled
 * the old generation (~11 KB a command), and each full collection it forced stalled the server
 * for 150–250 ms (docs/BENCHMARKS.md).
 *
 * engine.io announces a flush (`flush`, with the array) and its end (`drain`) on its server,
 * synchronously around the transport's `send`. The WebSocket transport is done with the array
 * when `send` returns (each packet is framed and written in that call); other transports are
 * left alone.
 */
export function releaseSentPackets(engine: EventEmitter): void {
	let flushedBy: EngineSocket | null = null;
	let flushed: unknown[] | null = null;
	engine.on('flush', (socket: EngineSocket, buffer: unknown[]) => {
		flushedBy = socket;
		flushed = buffer;
	});
	engine.on('drain', (socket: EngineSocket) => {
		// The socket has its new buffer by now; the flushed one is the transport's, and spent.
		if (
			socket === flushedBy &&
			flushed &&
			flushed !== socket.writeBuffer &&
			socket.transport.name === 'websocket'
		)
			flushed.length = 0;
		flushedBy = null;
		flushed = null;
	});
}
