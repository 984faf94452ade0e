import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { releaseSentPackets } from './sent-packets.ts';

/** A real socket.io server on port 0 and one client, over the given transport. */
async function pair(transport: 'websocket' | 'polling') {
	const http = createServer();
	const server = new Server(http);
	releaseSentPackets(server.engine);
	// Registered after Mend's listener: keeps each flushed array, to look at it once sent.
	const flushed: unknown[][] = [];
	server.engine.on('flush', (_socket: unknown, buffer: unknown[]) => flushed.push(buffer));
	await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
	const { port } = http.address() as AddressInfo;
	const seated = new Promise<import('socket.io').Socket>((resolve) =>
		server.once('connection', resolve)
	);
	const client: Socket = connect(`http://127.0.0.1:${port}`, {
		transports: [transport],
		forceNew: true
	});
	const socket = await seated;
	const received: number[] = [];
	client.on('view', (view: { seq: number }) => received.push(view.seq));
	await vi.waitFor(() => expect(client.connected).toBe(true));
	return {
		socket,
		flushed,
		received,
		close: () => {
			client.close();
			return new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}

describe('releasing what engine.io has sent', () => {
	let close: (() => Promise<void>) | null = null;
	afterEach(async () => {
		await close?.();
		close = null;
	});

	it('empties each array sent over a WebSocket, and every message still arrives in order', async () => {
		const conn = await pair('websocket');
		close = conn.close;
		conn.flushed.length = 0;
		for (let seq = 1; seq <= 5; seq++) conn.socket.emit('view', { seq, text: 'x'.repeat(1500) });
		// A burst in one turn: the first goes out alone, the rest wait for it and leave together.
		await vi.waitFor(() => expect(conn.received).toEqual([1, 2, 3, 4, 5]));
		expect(conn.flushed.length).toBeGreaterThan(0);
		for (const buffer of conn.flushed) expect(buffer).toEqual([]);
		// The socket's own buffer is a new array, not one that was emptied.
		expect(conn.flushed).not.toContain(
			(conn.socket.conn as unknown as { writeBuffer: [] }).writeBuffer
		);
	});

	it('leaves the arrays of other transports as they are', async () => {
		const conn = await pair('polling');
		close = conn.close;
		conn.flushed.length = 0;
		conn.socket.emit('view', { seq: 1 });
		await vi.waitFor(() => expect(conn.received).toEqual([1]));
		expect(conn.flushed.flat().length).toBeGreaterThan(0);
	});
});
