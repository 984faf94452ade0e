export {
	AGENDA_STEPS,
	agendaOf,
	isMediator,
	isParty,
	isPresent,
	JOINT_ROOM_ID,
	type AgendaStep,
	type Live,
	type Participant,
	type SessionRole,
	type SessionState
} from './model.ts';
export {
	mediaAssignmentFor,
	mediaPolicy,
	mediaRoomOf,
	onOtherSides,
	type MediaAssignment,
	type MediaRoom
} from './media-policy.ts';
export { violations } from './invariants.ts';
export { REFUSALS, type Refusal, type RefusalReason } from './refusals.ts';
export {
	needsConnectionsReset,
	replay,
	RULES_VERSION,
	type ReplayEntry,
	type SkippedEntry
} from './replay.ts';
export { canSpeak } from './speaking.ts';
export {
	initialState,
	SYSTEM,
	transition,
	type Envelope,
	type ParticipantSeed,
	type SessionEvent,
	type SystemCommand,
	type TransitionResult
} from './transition.ts';
export { viewBodyFor, type ViewBody } from './views.ts';
