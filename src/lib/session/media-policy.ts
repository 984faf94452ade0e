import { isPresent, type SessionState } from './model.ts';
import { canSpeak } from './speaking.ts';

/** One media room: who is in it, and whose audio and video may reach the others. */
export interface MediaRoom {
	id: string;
	members: string[];
	/** Whose microphone may be heard in this room (invariant 5). */
	audio: string[];
	/** Whose camera may be seen (everyone in the room; a person may still choose camera off). */
	video: string[];
}

/**
 * The media policy: both media implementations (LiveKit and browser-to-browser) apply exactly
 * this. Media rooms are the session's rooms; the waiting room is none (nobody there hears or is
 * heard); nobody is in a media room before the session starts or after it ends.
 */
export function mediaPolicy(state: SessionState): Record<string, MediaRoom> {
	if (state.phase !== 'live') return {};
	const rooms: Record<string, MediaRoom> = {};
	for (const p of Object.values(state.participants)) {
		if (!isPresent(p) || p.location.kind !== 'room') continue;
		const id = p.location.roomId;
		rooms[id] ??= { id, members: [], audio: [], video: [] };
		rooms[id].members.push(p.id);
		rooms[id].video.push(p.id);
		if (canSpeak(state, p.id)) rooms[id].audio.push(p.id);
	}
	return rooms;
}

/** The media room a participant is in, if any. */
export function mediaRoomOf(state: SessionState, participantId: string): string | null {
	const p = state.participants[participantId];
	if (state.phase !== 'live' || !p || !isPresent(p) || p.location.kind !== 'room') return null;
	return p.location.roomId;
}
