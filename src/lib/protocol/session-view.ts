import type { PartyRole } from './roles.ts';

/** What the browsers receive of a session: each person only what their role may see. */

export type AgendaStepName =
	| 'opening'
	| 'victim_account'
	| 'offender_account'
	| 'dialogue'
	| 'drafting'
	| 'signing'
	| 'closing';

export type ViewRole = 'mediator' | PartyRole;

export interface PersonSummary {
	id: string;
	name: string;
	role: ViewRole;
	present: boolean;
}

export type PrivateRoomPurpose = 'caucus' | 'break' | 'shuttle' | 'separation';

/** Where the person receiving the view is. */
export type Place =
	| { kind: 'waiting' }
	| { kind: 'joint'; people: PersonSummary[] }
	| { kind: 'private'; purpose: PrivateRoomPurpose; people: PersonSummary[] };

export type SpeakingView =
	| { mode: 'open' }
	| { mode: 'moderated'; floor: PersonSummary | null; hands: number }
	| {
			mode: 'turns';
			order: PersonSummary[];
			currentId: string | null;
			turnSeconds: number | null;
			turnStartedAt: number;
			/** Time the mediator added to the current turn. */
			turnExtraSeconds: number;
	  };

interface ViewBase {
	meetingId: string;
	/** Increases with every applied command: a client keeps the view with the highest. */
	seq: number;
	/** Server clock (ms) when sent, so that timers agree across devices. */
	serverTime: number;
	/** Whether a mediator is connected; when not, "the mediator is reconnecting". */
	mediatorPresent: boolean;
}

export interface PartyView extends ViewBase {
	audience: 'party';
	status: 'not_started' | 'live' | 'ended' | 'withdrawn';
	step: AgendaStepName | null;
	agenda: AgendaStepName[];
	you: {
		id: string;
		name: string;
		role: PartyRole;
		confirmedVoluntary: boolean;
		mutedByMediator: boolean;
		/** 1 for the first raised hand; null when the hand is down. */
		queuePosition: number | null;
		/** Whether your microphone reaches the others now. */
		canSpeak: boolean;
		/** On a break you took: resting, or you said you are ready to come back. */
		onBreak: 'resting' | 'ready' | null;
	};
	place: Place;
	/** Only when in the joint room: what happens in other rooms is not yours to know. */
	speaking: SpeakingView | null;
	/** You were moved to a room of your own because the mediator's connection dropped. */
	separated: boolean;
}

export interface ParticipantDetail extends PersonSummary {
	/** The victim or offender whose side this person is on. */
	side: string | null;
	status: 'active' | 'withdrawn';
	location: { kind: 'waiting' } | { kind: 'room'; roomId: string };
	confirmedVoluntary: boolean;
	mutedByMediator: boolean;
	canSpeak: boolean;
	/** On a break they took: resting (not to be brought back yet), or ready to come back. */
	onBreak: 'resting' | 'ready' | null;
}

export interface RoomDetail {
	id: string;
	purpose: 'joint' | PrivateRoomPurpose;
	side: string | null;
	members: string[];
}

export interface MediatorView extends ViewBase {
	audience: 'mediator';
	status: 'not_started' | 'live' | 'ended';
	step: AgendaStepName | null;
	agenda: AgendaStepName[];
	youId: string;
	/** joint, or caucus while a private room is open, or shuttle. */
	mode: 'joint' | 'caucus' | 'shuttle';
	participants: ParticipantDetail[];
	rooms: RoomDetail[];
	speaking:
		| { mode: 'open' }
		| { mode: 'moderated'; floor: string | null; queue: string[] }
		| {
				mode: 'turns';
				order: string[];
				currentId: string | null;
				turnSeconds: number | null;
				turnStartedAt: number;
				turnExtraSeconds: number;
		  }
		| null;
	notices: {
		id: string;
		kind: 'break' | 'ready_to_return' | 'withdrew';
		participantId: string;
		at: number;
	}[];
	separatedSince: number | null;
	/** Server time (ms) the session started; null before and after. */
	startedAt: number | null;
}

export type SessionView = PartyView | MediatorView;
