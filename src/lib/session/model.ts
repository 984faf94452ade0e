import type { PartyRole } from '../protocol/roles.ts';

/**
 * The live mediation session, as the server holds it. Pure data: every change goes through
 * `transition` (transition.ts); what each person receives is derived by views.ts.
 */

/** The agenda the mediator moves through; the two accounts follow the victim's choice. */
export const AGENDA_STEPS = {
	opening: 'opening',
	victimAccount: 'victim_account',
	offenderAccount: 'offender_account',
	dialogue: 'dialogue',
	drafting: 'drafting',
	signing: 'signing',
	closing: 'closing'
} as const;
export type AgendaStep = (typeof AGENDA_STEPS)[keyof typeof AGENDA_STEPS];

export const SESSION_ROLES = { mediator: 'mediator' } as const;
/** Staff take part as mediators (co-mediation included); parties keep their case role. */
export type SessionRole = 'mediator' | PartyRole;

/** Where a person is. The waiting room is not a media room: no one there hears anyone. */
export type Location = { kind: 'waiting' } | { kind: 'room'; roomId: string };

export const JOINT_ROOM_ID = 'joint';

export type RoomPurpose =
	/** The one shared room. */
	| 'joint'
	/** Opened by the mediator for one party (and their companions). */
	| 'caucus'
	/** Opened by a party's "I need a break": theirs alone. */
	| 'break'
	/** In shuttle mediation, each side's own room, visited by the mediator. */
	| 'shuttle'
	/** Made when the mediator's connection dropped, so that no two sides share a room. */
	| 'separation';

export interface Room {
	id: string;
	purpose: RoomPurpose;
	/** The side (principal party) a private room belongs to; null for the joint room. */
	side: string | null;
}

export interface Participant {
	/** The party id, or `staff:<userId>` for staff. */
	id: string;
	role: SessionRole;
	name: string;
	/**
	 * The victim or offender whose side this person is on: themselves for a principal, the
	 * person accompanied for a guardian or support person, null for mediators.
	 */
	side: string | null;
	/** Open connections (browser tabs); present when at least one. */
	connections: number;
	location: Location;
	status: 'active' | 'withdrawn';
	/** Confirmed, in the opening, that they take part voluntarily and may stop at any time. */
	confirmedVoluntary: boolean;
	/** Silenced by the mediator: their microphone reaches no one until released. */
	mutedByMediator: boolean;
	/** Their own choices, kept for the whole meeting (a reconnect does not undo them). */
	media: MediaPreferences;
	/** The victim chose, before the meeting, not to be seen: the camera stays off for good. */
	notSeen?: boolean;
	/**
	 * On a break they took ("I need a break"): resting until they say they are ready to come
	 * back, then ready. Nobody brings a resting party into the joint room (invariant 3).
	 */
	onBreak?: BreakState;
}

export type BreakState = 'resting' | 'ready';

export const isResting = (p: Participant): boolean => p.onBreak === 'resting';

export interface MediaPreferences {
	/** Not seen: their camera reaches no one (a victim chooses whether they are seen). */
	cameraOff: boolean;
	/** On a weak link: they send no video and receive none. */
	audioOnly: boolean;
}

export type Speaking =
	| { mode: 'open' }
	| {
			mode: 'moderated';
			/** Who may speak now (besides mediators); null when nobody holds the floor. */
			floor: string | null;
			/** Raised hands, in the order they were raised. */
			queue: string[];
	  }
	| {
			mode: 'turns';
			order: string[];
			/** Index into `order` of who speaks now. */
			current: number;
			/** Per-turn time everyone sees; null for untimed turns. */
			turnSeconds: number | null;
			/** When the current turn began (ms since epoch). */
			turnStartedAt: number;
			/** Time the mediator gave the current turn beyond `turnSeconds`; 0 as each turn begins. */
			turnExtraSeconds: number;
	  };

export type NoticeKind = 'break' | 'ready_to_return' | 'withdrew';

/** Something the mediator must be told at once. */
export interface Notice {
	id: string;
	kind: NoticeKind;
	participantId: string;
	at: number;
}

/**
 * When no mediator is connected, every party is held in a room of their own side; where they
 * were is kept, so that the mediator's return puts everyone back and nothing else changes.
 */
export interface Separation {
	since: number;
	previous: Record<string, Location>;
}

interface Common {
	meetingId: string;
	/** Who speaks first: the victim's choice. */
	firstSpeaker: 'victim' | 'offender';
	participants: Record<string, Participant>;
	/** Number of commands applied; every view carries it. */
	seq: number;
}

export interface NotStarted extends Common {
	phase: 'not_started';
}

export interface Live extends Common {
	phase: 'live';
	step: AgendaStep;
	/** Shuttle: the sides never share a room; the mediator moves between their rooms. */
	arrangement: 'joint' | 'shuttle';
	rooms: Record<string, Room>;
	speaking: Speaking;
	notices: Notice[];
	separation: Separation | null;
	startedAt: number;
}

export interface Ended extends Common {
	phase: 'ended';
	endedAt: number;
}

export type SessionState = NotStarted | Live | Ended;

export const isMediator = (p: Participant): boolean => p.role === SESSION_ROLES.mediator;
export const isParty = (p: Participant): boolean => p.role !== SESSION_ROLES.mediator;
export const isPresent = (p: Participant): boolean => p.connections > 0 && p.status === 'active';

/** The agenda in the order this session follows. */
export function agendaOf(firstSpeaker: 'victim' | 'offender'): AgendaStep[] {
	const accounts: AgendaStep[] =
		firstSpeaker === 'victim'
			? [AGENDA_STEPS.victimAccount, AGENDA_STEPS.offenderAccount]
			: [AGENDA_STEPS.offenderAccount, AGENDA_STEPS.victimAccount];
	return [
		AGENDA_STEPS.opening,
		...accounts,
		AGENDA_STEPS.dialogue,
		AGENDA_STEPS.drafting,
		AGENDA_STEPS.signing,
		AGENDA_STEPS.closing
	];
}

/**
 * The value of `record` under `key` when the key is the record's own: a participant or a room
 * named by a command, never a property every object has (`__proto__`, `constructor`).
 */
export const own = <T>(record: Record<string, T>, key: string): T | undefined =>
	Object.hasOwn(record, key) ? record[key] : undefined;

export const roomOf = (p: Participant): string | null =>
	p.location.kind === 'room' ? p.location.roomId : null;
