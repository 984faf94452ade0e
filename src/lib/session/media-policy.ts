import { isPresent, own, type SessionState } from './model.ts';
import { canSpeak } from './speaking.ts';

/** One media room: who is in it, and whose audio and video may reach the others. */
export interface MediaRoom {
	id: string;
	members: string[];
	/** Whose microphone may be heard in this room (invariant 5). */
	audio: string[];
	/** Whose camera may be seen: everyone in the room who has not chosen to be unseen. */
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
		if (!p.media.cameraOff && !p.media.audioOnly) rooms[id].video.push(p.id);
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

/**
 * Whether two people are on different sides of the case: one on a victim's side and one on an
 * offender's (a principal and whoever accompanies them share a side; mediators are on none).
 * Between the sides, what one browser may learn of where the other is is limited
 * (server/media/hide-addresses.ts).
 */
export function onOtherSides(state: SessionState, a: string, b: string): boolean {
	const sideOfA = own(state.participants, a)?.side;
	const sideOfB = own(state.participants, b)?.side;
	return Boolean(sideOfA && sideOfB && sideOfA !== sideOfB);
}

/** One person's part in the media: their room, whether they may be heard or seen, and who else is there. */
export interface MediaAssignment {
	room: string | null;
	canSpeak: boolean;
	sendsVideo: boolean;
	audioOnly: boolean;
	peers: {
		id: string;
		name: string;
		role: string;
		canSpeak: boolean;
		sendsVideo: boolean;
		/** Send them no video: they asked for audio only. */
		audioOnly: boolean;
		/** On the other side of the case from this person (onOtherSides). */
		otherSide: boolean;
	}[];
}

/**
 * `policy` is `mediaPolicy(state)`, passed in when assigning everyone of a session at once
 * (computed once, not once per person).
 */
export function mediaAssignmentFor(
	state: SessionState,
	participantId: string,
	policy: Record<string, MediaRoom> = mediaPolicy(state)
): MediaAssignment {
	const me = state.participants[participantId];
	const roomId = mediaRoomOf(state, participantId);
	const room = roomId ? policy[roomId] : undefined;
	if (!me || !room)
		return {
			room: null,
			canSpeak: false,
			sendsVideo: false,
			audioOnly: Boolean(me?.media.audioOnly),
			peers: []
		};
	return {
		room: room.id,
		canSpeak: room.audio.includes(participantId),
		sendsVideo: room.video.includes(participantId),
		audioOnly: me.media.audioOnly,
		peers: room.members
			.filter((id) => id !== participantId)
			.map((id) => {
				const p = state.participants[id];
				return {
					id,
					name: p.name,
					role: p.role,
					canSpeak: room.audio.includes(id),
					sendsVideo: room.video.includes(id),
					audioOnly: p.media.audioOnly,
					otherSide: onOtherSides(state, participantId, id)
				};
			})
	};
}
