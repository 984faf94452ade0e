/**
 * The baseline of `npm run bench:control`: a bare socket.io server (the same socket.io as Mend,
 * the same path and message limit) that does nothing but what the transport must do. Each
 * connection joins the room named by its handshake's `meetingId` and is sent the room's current
 * state; a `command` bumps the room's seq, broadcasts `{ seq, floor }` to the whole room as
 * one `view` event, and is acknowledged as Mend acknowledges (`{ ok: true, value: { seq } }`).
 * No authentication, no database, no per-person views: the floor for what a broadcast costs.
 *
 * Run by tests/bench/control.ts as a child process; prints `listening <port>` once ready.
 * PORT (default 0: any free port), HOST (default 127.0.0.1).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { REALTIME_PATH } from '#lib/protocol/version.ts';

/** = MAX_MESSAGE_BYTES of server/realtime.ts, not imported: that would load all of Mend. */
const MAX_MESSAGE_BYTES = 64 * 1024;

interface RoomState {
	seq: number;
	floor: string | null;
}

const server = http.createServer((_req, res) => {
	res.writeHead(404).end();
});
const io = new Server(server, {
	path: REALTIME_PATH,
	serveClient: false,
	maxHttpBufferSize: MAX_MESSAGE_BYTES
});
const rooms = new Map<string, RoomState>();

io.on('connection', (socket) => {
	const auth = socket.handshake.auth as { meetingId?: unknown };
	if (typeof auth.meetingId !== 'string') {
		socket.disconnect(true);
		return;
	}
	const roomId = auth.meetingId;
	let room = rooms.get(roomId);
	if (!room) rooms.set(roomId, (room = { seq: 0, floor: null }));
	const state = room;
	void socket.join(roomId);
	socket.emit('view', { seq: state.seq, floor: state.floor });

	socket.on('command', (command: { participantId?: string }, ack: unknown) => {
		state.seq += 1;
		state.floor = command?.participantId ?? null;
		io.to(roomId).emit('view', { seq: state.seq, floor: state.floor });
		if (typeof ack === 'function') ack({ ok: true, value: { seq: state.seq } });
	});
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
	console.log(`listening ${(server.address() as AddressInfo).port}`);
});

const stop = () => io.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
