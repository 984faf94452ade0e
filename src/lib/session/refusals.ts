import { ERROR_CODES, type ErrorCode } from '../protocol/errors.ts';

/**
 * Why a command was refused: a message key (messages/*.json) the server translates for the
 * person who sent it, with the error code that travels with it.
 */
export const REFUSALS = {
	notLive: ERROR_CODES.conflict,
	alreadyStarted: ERROR_CODES.conflict,
	mediatorOnly: ERROR_CODES.forbidden,
	partyOnly: ERROR_CODES.forbidden,
	withdrawn: ERROR_CODES.forbidden,
	notConnected: ERROR_CODES.conflict,
	unknownParticipant: ERROR_CODES.notFound,
	unknownRoom: ERROR_CODES.notFound,
	notAParty: ERROR_CODES.invalidInput,
	notWaiting: ERROR_CODES.conflict,
	mediatorNotThere: ERROR_CODES.conflict,
	wouldMixSides: ERROR_CODES.conflict,
	wouldLeaveSidesAlone: ERROR_CODES.conflict,
	/** Into the joint room, someone on a break who has not said they are ready. */
	onBreak: ERROR_CODES.conflict,
	notModerated: ERROR_CODES.conflict,
	notTurns: ERROR_CODES.conflict,
	/** Time added to a turn that has no timer. */
	untimedTurns: ERROR_CODES.conflict,
	notInJointRoom: ERROR_CODES.conflict,
	voluntaryPending: ERROR_CODES.conflict,
	cannotCloseJoint: ERROR_CODES.conflict,
	badTurnOrder: ERROR_CODES.invalidInput,
	unknownNotice: ERROR_CODES.notFound,
	/** A joint session before screening, consent and preparation are done (readiness gate). */
	gateClosed: ERROR_CODES.conflict,
	/** The database does not answer: nothing can be made durable, so nothing is changed. */
	databaseUnavailable: ERROR_CODES.unavailable
} as const satisfies Record<string, ErrorCode>;

export type RefusalReason = keyof typeof REFUSALS;

export interface Refusal {
	ok: false;
	code: ErrorCode;
	reason: RefusalReason;
	/** Names for the message, e.g. who has not confirmed yet. */
	detail?: Record<string, string>;
}

export const refuse = (reason: RefusalReason, detail?: Record<string, string>): Refusal => ({
	ok: false,
	code: REFUSALS[reason],
	reason,
	detail
});

export const isRefusal = (value: unknown): value is Refusal =>
	typeof value === 'object' && value !== null && (value as Refusal).ok === false;
