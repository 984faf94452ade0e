import { z } from 'zod';
import { sessionId } from './ids.ts';

/**
 * Media contracts. The server decides who is in which media room and who may be heard or
 * seen (src/lib/session/media-policy.ts); each browser receives its own assignment and applies
 * it with one of two transports: LiveKit (when configured) or WebRTC between the browsers.
 */

export interface IceServer {
	urls: string | string[];
	username?: string;
	credential?: string;
}

export type MediaTransport =
	| {
			kind: 'p2p';
			iceServers: IceServer[];
			/**
			 * The peers this browser may reach only through a TURN server's relay
			 * (`iceTransportPolicy: 'relay'`): those on the other side of the case, when TURN is
			 * configured. The server decides it; the browser never sends from its own address to them.
			 */
			relayOnly: string[];
	  }
	| {
			kind: 'livekit';
			url: string;
			/** Short-lived, for this one room only. */
			token: string;
			roomName: string;
			/** Per-room end-to-end encryption key (base64), when the deployment turns it on. */
			e2eeKey: string | null;
	  };

export interface MediaPeer {
	id: string;
	name: string;
	role: string;
	/** Whether the policy lets their microphone reach you; otherwise you play none of it. */
	canSpeak: boolean;
	/** Whether they show video (not audio-only, not chosen to be unseen). */
	sendsVideo: boolean;
	/** They receive no video: send them none. */
	audioOnly: boolean;
	/** On the other side of the case from you (a victim's side and an offender's). */
	otherSide: boolean;
}

/** One person's media, sent whenever it changes. */
export interface MediaUpdate {
	meetingId: string;
	/** The receiver's own participant id. */
	you: string;
	/** The session seq it was computed at. */
	seq: number;
	/** The media room, or null: waiting room, not started, ended — no media with anyone. */
	room: string | null;
	canSpeak: boolean;
	sendsVideo: boolean;
	audioOnly: boolean;
	peers: MediaPeer[];
	transport: MediaTransport | null;
}

const sdp = z.string().max(64_000);

/** A WebRTC signalling message for one peer; relayed only between people in the same room. */
export const SignalSchema = z.object({
	to: sessionId,
	payload: z.union([
		z.object({
			description: z.object({
				type: z.enum(['offer', 'answer', 'pranswer', 'rollback']),
				sdp: sdp.optional()
			})
		}),
		z.object({
			candidate: z
				.object({
					candidate: z.string().max(2_000),
					sdpMid: z.string().max(64).nullable().optional(),
					sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
					usernameFragment: z.string().max(256).nullable().optional()
				})
				.nullable()
		}),
		/** Ask the other side to start over (a fresh connection after a drop). */
		z.object({ restart: z.literal(true) })
	])
});
export type TSignal = z.infer<typeof SignalSchema>;
export type SignalPayload = TSignal['payload'];
