/**
 * Bumped whenever an event name or payload shape changes incompatibly. A client announces its
 * version in the socket handshake; the server refuses a different one with `protocol_mismatch`
 * so that a stale tab reloads instead of misreading state.
 */
export const PROTOCOL_VERSION = 1;

/** socket.io path of the control plane (same port as the pages). */
export const REALTIME_PATH = '/rt';
