import * as m from '#lib/paraglide/messages.js';
import type { RefusalReason } from '#lib/session/refusals.ts';

/** What a person is told when the session refuses their command. */
const MESSAGES: Record<RefusalReason, (detail: Record<string, string>) => string> = {
	notLive: () => m.session_refused_not_live(),
	alreadyStarted: () => m.session_refused_already_started(),
	mediatorOnly: () => m.session_refused_mediator_only(),
	partyOnly: () => m.session_refused_party_only(),
	withdrawn: () => m.session_refused_withdrawn(),
	notConnected: () => m.session_refused_not_connected(),
	unknownParticipant: () => m.session_refused_unknown_participant(),
	unknownRoom: () => m.session_refused_unknown_room(),
	notAParty: () => m.session_refused_not_a_party(),
	notWaiting: () => m.session_refused_not_waiting(),
	mediatorNotThere: () => m.session_refused_mediator_not_there(),
	wouldMixSides: () => m.session_refused_would_mix_sides(),
	wouldLeaveSidesAlone: () => m.session_refused_would_leave_sides_alone(),
	onBreak: (detail) => m.session_refused_on_break({ name: detail.name ?? '' }),
	notModerated: () => m.session_refused_not_moderated(),
	notTurns: () => m.session_refused_not_turns(),
	untimedTurns: () => m.session_refused_untimed_turns(),
	notInJointRoom: () => m.session_refused_not_in_joint_room(),
	voluntaryPending: (detail) => m.session_refused_voluntary_pending({ names: detail.names ?? '' }),
	cannotCloseJoint: () => m.session_refused_cannot_close_joint(),
	badTurnOrder: () => m.session_refused_bad_turn_order(),
	unknownNotice: () => m.session_refused_unknown_notice(),
	gateClosed: (detail) => m.session_refused_gate_closed({ missing: detail.missing ?? '' }),
	databaseUnavailable: () => m.session_refused_database_unavailable()
};

export const refusalMessage = (
	reason: RefusalReason,
	detail: Record<string, string> = {}
): string => MESSAGES[reason](detail);
