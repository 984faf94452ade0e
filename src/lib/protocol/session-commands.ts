import { z } from 'zod';
import { sessionId } from './ids.ts';

/**
 * Every command a browser can send to a live session, one schema each. The server parses with
 * `SessionCommandSchema` before anything else; a command that does not parse changes nothing.
 */

const id = sessionId;
const step = z.enum([
	'opening',
	'victim_account',
	'offender_account',
	'dialogue',
	'drafting',
	'signing',
	'closing'
]);
/** A turn's length in seconds; null for turns without a timer. */
const turnSeconds = z.number().int().min(15).max(3600).nullable();

export const MEDIATOR_COMMANDS = z.discriminatedUnion('type', [
	z.object({ type: z.literal('startSession') }),
	z.object({ type: z.literal('endSession') }),
	z.object({ type: z.literal('goToStep'), step }),
	z.object({ type: z.literal('admit'), participantId: id, roomId: id.optional() }),
	z.object({ type: z.literal('sendToWaiting'), participantId: id }),
	z.object({ type: z.literal('moveParticipant'), participantId: id, roomId: id }),
	z.object({ type: z.literal('openPrivateRoom'), participantId: id }),
	z.object({ type: z.literal('closeRoom'), roomId: id }),
	z.object({ type: z.literal('joinRoom'), roomId: id }),
	z.object({ type: z.literal('setArrangement'), arrangement: z.enum(['joint', 'shuttle']) }),
	z.object({
		type: z.literal('setSpeakingMode'),
		mode: z.enum(['open', 'moderated', 'turns']),
		order: z.array(id).max(16).optional(),
		turnSeconds: turnSeconds.optional()
	}),
	z.object({ type: z.literal('grantFloor'), participantId: id }),
	z.object({ type: z.literal('revokeFloor') }),
	z.object({ type: z.literal('nextTurn') }),
	z.object({ type: z.literal('setTurnOrder'), order: z.array(id).max(16) }),
	/** The length of each turn, the current one included (counted from its start). */
	z.object({ type: z.literal('setTurnLength'), turnSeconds }),
	/** More time for whoever has the turn now. */
	z.object({ type: z.literal('extendTurn'), seconds: z.number().int().min(15).max(600) }),
	z.object({ type: z.literal('lowerHandOf'), participantId: id }),
	z.object({ type: z.literal('setMuted'), participantId: id, muted: z.boolean() }),
	z.object({ type: z.literal('setPartiesMuted'), muted: z.boolean() }),
	z.object({ type: z.literal('acknowledgeNotice'), noticeId: id })
]);

export const PARTY_COMMANDS = z.discriminatedUnion('type', [
	z.object({ type: z.literal('raiseHand') }),
	z.object({ type: z.literal('lowerHand') }),
	z.object({ type: z.literal('finishSpeaking') }),
	z.object({ type: z.literal('stepOut') }),
	z.object({ type: z.literal('readyToReturn') }),
	z.object({ type: z.literal('confirmVoluntary') }),
	z.object({ type: z.literal('withdraw') })
]);

/** What anyone may change about themselves, whatever their role. */
export const OWN_COMMANDS = z.discriminatedUnion('type', [
	z.object({
		type: z.literal('setMediaPreferences'),
		cameraOff: z.boolean().optional(),
		audioOnly: z.boolean().optional()
	})
]);

export const SessionCommandSchema = z.union([MEDIATOR_COMMANDS, PARTY_COMMANDS, OWN_COMMANDS]);

export type MediatorCommand = z.infer<typeof MEDIATOR_COMMANDS>;
export type PartyCommand = z.infer<typeof PARTY_COMMANDS>;
export type OwnCommand = z.infer<typeof OWN_COMMANDS>;
export type SessionCommand = MediatorCommand | PartyCommand | OwnCommand;
export type SessionCommandType = SessionCommand['type'];

/** Commands no limit may delay or refuse: leaving is always possible. */
export const ALWAYS_ALLOWED: ReadonlySet<SessionCommandType> = new Set(['stepOut', 'withdraw']);
