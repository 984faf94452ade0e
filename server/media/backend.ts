import type { MediaTransport, SignalPayload } from '#lib/protocol/media.ts';
import type { MediaAssignment } from '#lib/session/media-policy.ts';

/**
 * How media reaches people. The session decides the assignment (room, who is heard and seen);
 * a backend turns it into a transport a browser can use, and enforces it where it can.
 */
export interface MediaBackend {
	readonly kind: 'p2p' | 'livekit';
	/**
	 * The transport for one person's current assignment. Synchronous for the built-in mode, so
	 * that a separation reaches browsers in the same turn; LiveKit needs the network.
	 */
	transportFor(
		meetingId: string,
		participantId: string,
		name: string,
		assignment: MediaAssignment
	): MediaTransport | null | Promise<MediaTransport | null>;
	/**
	 * What of a browser-to-browser signal may pass from one side of a case to the other, or null
	 * when nothing of it may. Without it, no signal crosses between the sides.
	 */
	signalAcrossSides?(payload: SignalPayload): SignalPayload | null;
	/** The meeting is over: close whatever it holds. */
	closeMeeting?(meetingId: string): Promise<void>;
	/**
	 * This process serves from now on (never called in one standing by): clear up what a
	 * process before it left, and keep watch. Called again, it does nothing.
	 */
	start?(): void;
	/** A webhook from the media server (LiveKit only). */
	handleWebhook?(body: string, authorization: string | null): Promise<'accepted' | 'refused'>;
	/** This process is one of a cluster: media the others hold is left to them (LiveKit). */
	joinCluster?(cluster: MediaCluster): void;
	/** A process of the cluster died: what it held in the media server is nobody's now. */
	processGone?(): void;
	stop?(): void;
}

/** What a media backend needs to know of the other processes of a cluster (server/cluster/). */
export interface MediaCluster {
	processId: number;
	/** Whether the process with this id is alive. */
	isAlive(processId: number): Promise<boolean>;
	/** Hands a media server's webhook to the process it concerns. */
	forwardWebhook(processId: number, body: string, authorization: string | null): Promise<void>;
}
