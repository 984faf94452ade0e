/**
 * The control plane's limits on connections, in one place (commands: attach-control.ts;
 * message size: realtime.ts). docs/SECURITY.md names the test of each.
 */
export const CONTROL_LIMITS = {
	/**
	 * Open connections of one person to one meeting: tabs and devices. Not counted across
	 * meetings: a party's link opens one meeting, and a member of staff may run many at once
	 * (the benchmarks run one mediator in 1000).
	 */
	connectionsPerPersonInMeeting: 6,
	/** Open connections to one meeting, everyone's together. */
	connectionsPerMeeting: 48,
	/**
	 * What may wait to be sent to one connection — engine.io's write buffer and the WebSocket's
	 * `bufferedAmount` together — before it is let go as not reading. A view is a few KB and
	 * only the newest counts: this is hundreds of them, or a minute of a call's signalling.
	 */
	maxBufferedBytes: 1024 * 1024
} as const;
