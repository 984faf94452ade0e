/**
 * The baselines of `npm run bench:control`: a bare socket.io server (the same socket.io as
 * Mend, the same path and message limit) that does nothing but what the transport must do.
 * Each connection joins the room named by its handshake's `meetingId` and is sent the room's
 * current state; a `command` bumps the room's seq, broadcasts `{ seq, floor }` to the whole room
 * as one `view` event, and is acknowledged as Mend acknowledges (`{ ok: true, value: { seq } }`).
 * No authentication, no per-person views: the floor for what a broadcast costs.
 *
 * With DATABASE_URL set it is the *durable* baseline: before the broadcast and the
 * acknowledgement, the command's row is committed to PostgreSQL exactly as Mend writes a
 * session's log (the same columns and row sizes, a hash-chained entry, Mend's own
 * BatchedAppender with one multi-row INSERT in flight at a time, the same driver and pool).
 * That is the floor for any server that, like Mend, shows nobody a change before it is durable.
 * With FENCED=1 as well, each batch is written by Mend's own fenced statement (log-writer.ts:
 * the rooms' `live_owners` rows locked FOR SHARE, each row stored only under its room's epoch),
 * each room taken (epoch 1) on its first connection as Mend takes a session when it loads it:
 * what the fencing costs a durable server, apart from everything else Mend does.
 *
 * Run as a child process by tests/bench/control.ts, and by tests/bench/cluster.ts as the floor
 * of a failover (two of them behind a balancer, one killed: the clients of its rooms come back
 * to the other, which sends each the room's state on connection, as it always does); prints
 * `listening <port>` once ready. PORT (default 0: any free port), HOST (default 127.0.0.1),
 * DATABASE_URL (optional), FENCED (optional, with DATABASE_URL).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Server } from 'socket.io';
import { REALTIME_PATH } from '#lib/protocol/version.ts';
import { BatchedAppender } from '#lib/server/db/batched-appender.ts';
import { insertStatement, type LogWriter } from '#lib/server/db/client.ts';
import { fencedInsertStatement } from '#lib/server/db/log-writer.ts';
import type { Logger } from '#lib/server/log.ts';

/** = MAX_MESSAGE_BYTES of server/realtime.ts, not imported: that would load all of Mend. */
const MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * Connections waiting to be accepted, at most: after a failover everyone reconnects at once,
 * and Node's default queue (511) would overflow — a dropped SYN is tried again only after 1 s,
 * which is the kernel's time, not the transport's. The system's ceiling (somaxconn) applies.
 */
const LISTEN_BACKLOG = 4096;

interface RoomState {
	seq: number;
	floor: string | null;
	/** The hash of the room's last entry (durable baseline). */
	head: string | null;
	/** Settled once the room is taken (FENCED): its commands wait for it. */
	taken: Promise<unknown>;
}

/** Mend's session log table without its foreign key: the rooms here are not meetings. */
const TABLE = 'bench_floor_events';
const COLUMNS = ['meeting_id', 'seq', 'at', 'actor', 'command', 'prev_hash', 'hash'] as const;

const FENCED = process.env.FENCED === '1';

async function openLog(url: string): Promise<{ appender: BatchedAppender; pool: pg.Pool }> {
	// As openDatabase (src/lib/server/db/client.ts) opens Mend's pool and log writer.
	const pool = new pg.Pool({ connectionString: url, max: 10 });
	await pool.query(`create table if not exists ${TABLE} (like session_events including all)`);
	const writer: LogWriter = {
		parallelism: 4,
		// The floor: a plain INSERT, without Mend's fence (ownership.ts) — unless FENCED.
		async append(_table, columns, rows, fences) {
			if (!FENCED) {
				await pool.query(insertStatement(TABLE, columns, rows.length), rows.flat());
				return new Set<string>();
			}
			const rooms = [...new Set(fences.map(([room]) => room))];
			await pool.query(
				fencedInsertStatement('session_events', columns, rows.length).replace(
					'insert into "session_events"',
					`insert into "${TABLE}"`
				),
				[rooms, rooms.map(() => 1), ...rows.flatMap((row, r) => [...row, fences[r]![0]])]
			);
			return new Set<string>();
		},
		stopRetrying() {}
	};
	const errors: Logger = { error: console.error, warn: console.error, info() {}, debug() {} };
	// One write at a time, as Mend's SessionLog ('session_events' only names it in errors).
	const appender = new BatchedAppender(writer, 'session_events', COLUMNS, errors, {
		resource: (key) => key,
		parallelism: 1
	});
	return { appender, pool };
}

const opened = process.env.DATABASE_URL ? await openLog(process.env.DATABASE_URL) : null;
const log = opened?.appender ?? null;
/** FENCED: a room is taken as Mend takes a session, its epoch 1 (a fresh database each round). */
const take = (room: string): Promise<unknown> =>
	FENCED && opened
		? opened.pool.query(
				`insert into live_owners (resource, epoch, process) values ($1, 1, 'bench-floor')
				 on conflict do nothing`,
				[room]
			)
		: Promise.resolve();

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
	if (!room) rooms.set(roomId, (room = { seq: 0, floor: null, head: null, taken: take(roomId) }));
	const state = room;
	void socket.join(roomId);
	socket.emit('view', { seq: state.seq, floor: state.floor });

	socket.on('command', (command: { participantId?: string }, ack: unknown) => {
		state.seq += 1;
		state.floor = command?.participantId ?? null;
		const seq = state.seq;
		const floor = state.floor;
		const tell = () => {
			io.to(roomId).emit('view', { seq, floor });
			if (typeof ack === 'function') ack({ ok: true, value: { seq } });
		};
		if (!log) return tell();
		const entry = JSON.stringify({ type: 'grantFloor', participantId: floor });
		const hash = createHash('sha256')
			.update(state.head ?? `genesis:${roomId}`)
			.update('\n')
			.update(entry)
			.digest('hex');
		const row = [roomId, seq, new Date(), 'mediator', entry, state.head, hash];
		state.head = hash;
		const append = () => log.append(roomId, row, 1);
		void (FENCED ? state.taken.then(append) : append()).then(tell, (error: unknown) => {
			if (typeof ack === 'function') ack({ ok: false, error: { code: 'internal' } });
			console.error(error);
		});
	});
});

const listening = {
	port: Number(process.env.PORT ?? 0),
	host: process.env.HOST ?? '127.0.0.1',
	backlog: LISTEN_BACKLOG
};
server.listen(listening, () => {
	console.log(`listening ${(server.address() as AddressInfo).port}`);
});

const stop = () => io.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
