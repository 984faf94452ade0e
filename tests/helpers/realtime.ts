import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '#lib/protocol/events.ts';
import { PROTOCOL_VERSION, REALTIME_PATH } from '#lib/protocol/version.ts';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A real socket.io client, as a browser holding `cookie` would connect. */
export function connect(
	baseUrl: string,
	options: {
		cookie?: string;
		meetingId: string;
		as: 'party' | 'staff';
		protocol?: number;
		auth?: unknown;
		origin?: string;
	}
): TestSocket {
	const headers: Record<string, string> = {};
	if (options.cookie) headers.cookie = options.cookie;
	if (options.origin) headers.origin = options.origin;
	return io(baseUrl, {
		path: REALTIME_PATH,
		transports: ['websocket'],
		reconnection: false,
		forceNew: true,
		extraHeaders: headers,
		// The meeting, in the handshake's URL, for the process that forwards it to its case's
		// owner (session-client.ts).
		query: { meeting: options.meetingId },
		auth: (options.auth ?? {
			protocol: options.protocol ?? PROTOCOL_VERSION,
			meetingId: options.meetingId,
			as: options.as
		}) as Record<string, unknown>
	});
}

/** Resolves with the connection, or rejects with the server's refusal code. */
export function connected(socket: TestSocket): Promise<TestSocket> {
	return new Promise((resolve, reject) => {
		socket.once('connect', () => resolve(socket));
		socket.once('connect_error', (error) => {
			socket.close();
			reject(error);
		});
	});
}

export async function refusal(socket: TestSocket): Promise<string> {
	try {
		await connected(socket);
		socket.close();
		return 'connected';
	} catch (error) {
		return (error as Error).message;
	}
}
