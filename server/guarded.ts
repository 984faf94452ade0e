import type { Logger } from '#lib/server/log.ts';

/**
 * A listener for what one connection sent or did — a socket.io event, a WebSocket message, an
 * upgrade request, a disconnect — that can never take the process down. socket.io calls event
 * listeners from `process.nextTick` and ws and the HTTP server call theirs from socket events,
 * where nothing catches: one thrown error (or rejected promise) there would end every meeting
 * on the server at once. Whatever the listener throws or rejects with is logged with `where`,
 * and goes no further; the connection's own handling (an answer, closing it) is the
 * listener's to decide before it throws.
 */
export function guarded<A extends unknown[]>(
	log: Logger,
	where: string,
	listener: (...args: A) => unknown
): (...args: A) => void {
	const failed = (error: unknown) => log.error(`${where} failed`, { error });
	return (...args) => {
		try {
			const result = listener(...args);
			if (result instanceof Promise) result.catch(failed);
		} catch (error) {
			failed(error);
		}
	};
}
