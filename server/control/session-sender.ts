import { hash } from 'node:crypto';
import type { MediaTransport, MediaUpdate } from '#lib/protocol/media.ts';
import type { SessionView } from '#lib/protocol/session-view.ts';
import type { Deps } from '#lib/server/deps.ts';
import { mediaAssignmentFor, mediaPolicy, type MediaRoom } from '#lib/session/media-policy.ts';
import type { SessionState } from '#lib/session/model.ts';
import { viewBodyFor } from '#lib/session/views.ts';
import type { MediaBackend } from '../media/backend.ts';
import { Serialized } from '../serialized.ts';

/** How the host reaches browsers; socket.io in production, anything in tests of the host. */
export interface Audience {
	/** Sends a view to every connection of one participant. */
	sendView(
		meetingId: string,
		participantId: string,
		view: Serialized<SessionView>,
		media: MediaUpdate | null
	): void;
	/** Sends one participant's media assignment and transport. */
	sendMedia(meetingId: string, participantId: string, update: MediaUpdate): void;
	/** Closes every connection of one participant (withdrawn, or the session ended). */
	disconnect(meetingId: string, participantId: string): void;
}

/** What each participant of one session was last sent. */
export interface SentState {
	/**
	 * A digest of the last view sent to each participant (without its seq and clock), to send
	 * only changes. A digest, not the text, and overwritten in place (`recordSent`): what
	 * outlives a command is what the collector must carry to the old generation.
	 */
	lastView: Map<string, Uint8Array>;
	/** A digest of the last media assignment sent to each participant, likewise. */
	lastMedia: Map<string, Uint8Array>;
	/** Per participant, the media update on its way (a transport can take the network). */
	mediaQueue: Map<string, Promise<void>>;
}

export function newSentState(): SentState {
	return { lastView: new Map(), lastMedia: new Map(), mediaQueue: new Map() };
}

/** The next broadcast sends this participant their view and media, changed or not. */
export function forgetSent(sent: SentState, participantId: string): void {
	sent.lastView.delete(participantId);
	sent.lastMedia.delete(participantId);
}

/**
 * Keeps the digest of `json` (SHA-256: no two views collide) as the last sent to a person;
 * false when it already was. Copied into the bytes kept for that person rather than kept as a
 * new value: one per person per command would live until their next command.
 */
function recordSent(last: Map<string, Uint8Array>, participantId: string, json: string): boolean {
	const digest = hash('sha256', json, 'buffer');
	const kept = last.get(participantId);
	if (!kept) last.set(participantId, new Uint8Array(digest));
	else if (digest.equals(kept)) return false;
	else kept.set(digest);
	return true;
}

/** One live session as the sender sees it. */
export interface Recipients {
	setup: { meetingId: string };
	state: SessionState;
	/** Who is connected (the keys). */
	connections: Map<string, number>;
	sent: SentState;
}

/**
 * What each person of a live session is sent: their own view and their media assignment, each
 * only when it changed for them. The rules of who sees what are in src/lib/session (views,
 * media policy); this is the sending.
 */
export class SessionSender {
	readonly #deps: Pick<Deps, 'clock' | 'log'>;
	readonly #media: MediaBackend;
	readonly #audience: Audience;

	constructor(deps: Pick<Deps, 'clock' | 'log'>, media: MediaBackend, audience: Audience) {
		this.#deps = deps;
		this.#media = media;
		this.#audience = audience;
	}

	/**
	 * Sends each connected person their view and their media assignment, each only when it
	 * changed. With built-in media this all happens in the current turn.
	 */
	broadcast({ setup: { meetingId }, state, connections, sent }: Recipients): void {
		const now = this.#deps.clock.now().getTime();
		const { seq } = state;
		const policy = mediaPolicy(state);
		for (const participantId of connections.keys()) {
			const body = viewBodyFor(state, participantId);
			if (!body) continue;
			// Ready now (built-in media) travels with the view: one message per person.
			const media = this.#mediaChange(meetingId, state, sent, participantId, policy);
			// Compared without its seq (which every command changes): an unchanged view is not sent.
			const json = JSON.stringify(body);
			if (recordSent(sent.lastView, participantId, json)) {
				// The body is an object literal: `{"audience":…}`, never `{}`.
				const view = new Serialized<SessionView>(
					`{"seq":${seq},"serverTime":${now},${json.slice(1)}`
				);
				this.#audience.sendView(meetingId, participantId, view, media);
			} else if (media) {
				this.#audience.sendMedia(meetingId, participantId, media);
			}
		}
	}

	/**
	 * The person's new media assignment if it changed: returned when its transport is ready at
	 * once, otherwise sent on its own once it is (null is returned then, and when unchanged).
	 */
	#mediaChange(
		meetingId: string,
		state: SessionState,
		sent: SentState,
		participantId: string,
		policy: Record<string, MediaRoom>
	): MediaUpdate | null {
		const assignment = mediaAssignmentFor(state, participantId, policy);
		if (!recordSent(sent.lastMedia, participantId, JSON.stringify(assignment))) return null;
		const update = (transport: MediaTransport | null): MediaUpdate => ({
			meetingId,
			you: participantId,
			seq: state.seq,
			...assignment,
			transport
		});
		const name = state.participants[participantId]?.name ?? '';
		const transport = this.#media.transportFor(meetingId, participantId, name, assignment);
		if (!(transport instanceof Promise)) return update(transport);
		// Updates for one person go out in the order they were decided.
		const previous = sent.mediaQueue.get(participantId) ?? Promise.resolve();
		const next = previous
			.then(() => transport)
			.then((ready) => this.#audience.sendMedia(meetingId, participantId, update(ready)))
			.catch((error) => this.#deps.log.error('media: transport failed', { error }));
		sent.mediaQueue.set(participantId, next);
		return null;
	}
}
