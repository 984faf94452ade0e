import fc from 'fast-check';
import type { SessionCommand } from '../protocol/session-commands.ts';
import { JOINT_ROOM_ID, type SessionState } from './model.ts';
import { roomOf } from './testing.ts';
import { SYSTEM, type Envelope, type ParticipantSeed } from './transition.ts';

/**
 * Random command sequences for property tests: whatever anyone of a cast sends, in any order —
 * parties trying mediator commands, people dropping and coming back, mediators moving people
 * around. Used by invariants.spec.ts, and by the integration test that loads long sessions
 * from their snapshots (tests/integration/session-upgrade.test.ts).
 */

/**
 * A step is drawn as numbers; the command is built from them against the current state, so
 * that room ids name rooms that exist then (room ids are made from the command count).
 */
export interface Step {
	actor: string;
	system: 'connect' | 'disconnect' | 'reset' | null;
	kind: number;
	target: number;
	room: number;
	flag: boolean;
}

const KINDS = [
	'startSession',
	'goToStep',
	'admit',
	'admitTo',
	'sendToWaiting',
	'moveParticipant',
	'openPrivateRoom',
	'closeRoom',
	'joinRoom',
	'setArrangement',
	'setSpeakingMode',
	'grantFloor',
	'revokeFloor',
	'nextTurn',
	'setTurnOrder',
	'setTurnLength',
	'extendTurn',
	'lowerHandOf',
	'setMuted',
	'setPartiesMuted',
	'acknowledgeNotice',
	'raiseHand',
	'lowerHand',
	'finishSpeaking',
	'stepOut',
	'readyToReturn',
	'confirmVoluntary',
	// Ending and withdrawing close doors for the rest of a sequence: rarer, not absent.
	'endSession',
	'withdraw'
] as const;

const PARTY_KINDS = new Set<string>([
	'raiseHand',
	'lowerHand',
	'finishSpeaking',
	'stepOut',
	'readyToReturn',
	'confirmVoluntary'
]);

export interface RandomSteps {
	/** Steps of every kind, mostly what each actor's role may do. */
	stepArb: fc.Arbitrary<Step>;
	/** The envelope a step makes in the state it is drawn against. */
	envelopeFor(state: SessionState, s: Step, at: number): Envelope;
}

/** Steps for `cast` (at least one mediator and one party), plus a stranger nobody invited. */
export function randomSteps(cast: ParticipantSeed[]): RandomSteps {
	const people = cast.map((p) => p.id);
	const mediators = cast.filter((p) => p.role === 'mediator').map((p) => p.id);
	const parties = cast.filter((p) => p.role !== 'mediator').map((p) => p.id);

	function commandFor(state: SessionState, s: Step): SessionCommand {
		const rooms =
			state.phase === 'live' ? [...Object.keys(state.rooms), 'nowhere'] : [JOINT_ROOM_ID];
		const participantId = [...people, 'stranger'][s.target % (people.length + 1)];
		const roomId = rooms[s.room % rooms.length];
		const rare = s.kind % 50 === 0;
		// Mostly what the actor's role can do (so that sessions really move), sometimes anything
		// (so that every refusal is tried too).
		const mediatorActor = mediators.includes(s.actor);
		const common = KINDS.length - 2;
		const fitting = KINDS.slice(0, common).filter((k) => PARTY_KINDS.has(k) !== mediatorActor);
		const kind = rare
			? KINDS[common + (s.target % 2)]
			: s.kind % 5 === 0
				? KINDS[s.kind % common]
				: fitting[s.kind % fitting.length];
		switch (kind) {
			case 'goToStep':
				return {
					type: kind,
					step: (['opening', 'victim_account', 'dialogue', 'closing'] as const)[s.room % 4]
				};
			case 'admit':
				return { type: kind, participantId };
			case 'admitTo':
				return { type: 'admit', participantId, roomId };
			case 'grantFloor': {
				// Mostly someone who can take the floor: in the joint room.
				const inJoint = parties.filter((id) => roomOf(state, id) === JOINT_ROOM_ID);
				const pool = [...inJoint, participantId];
				return { type: kind, participantId: pool[s.target % pool.length] };
			}
			case 'sendToWaiting':
			case 'openPrivateRoom':
				return { type: kind, participantId };
			case 'moveParticipant':
				return { type: kind, participantId, roomId };
			case 'closeRoom':
			case 'joinRoom':
				return { type: kind, roomId };
			case 'setArrangement':
				return { type: kind, arrangement: s.flag ? 'shuttle' : 'joint' };
			case 'setSpeakingMode':
				return {
					type: kind,
					mode: (['open', 'moderated', 'moderated', 'turns'] as const)[s.room % 4],
					turnSeconds: s.flag ? 120 : null
				};
			case 'setTurnLength':
				return { type: kind, turnSeconds: s.flag ? [60, 300][s.room % 2] : null };
			case 'extendTurn':
				return { type: kind, seconds: 60 };
			case 'setMuted':
				return { type: kind, participantId, muted: s.flag };
			case 'setPartiesMuted':
				return { type: kind, muted: s.flag };
			case 'lowerHandOf':
				return { type: kind, participantId };
			case 'setTurnOrder': {
				// Mostly the parties in a new order (a rotation), sometimes with a stranger or twice.
				const rotated = [...parties.slice(s.room % parties.length), ...parties];
				const order = rotated.slice(0, 1 + (s.target % parties.length));
				return { type: kind, order: s.flag ? order : [...order, participantId] };
			}
			case 'acknowledgeNotice': {
				const notices = state.phase === 'live' ? state.notices : [];
				return {
					type: kind,
					noticeId: notices[s.room % Math.max(1, notices.length)]?.id ?? 'none'
				};
			}
			default:
				return { type: kind } as SessionCommand;
		}
	}

	const stepArb: fc.Arbitrary<Step> = fc.oneof(
		{
			weight: 40,
			arbitrary: fc.record({
				actor: fc.oneof(
					{ weight: 3, arbitrary: fc.constantFrom(...mediators) },
					{ weight: 4, arbitrary: fc.constantFrom(...parties, 'stranger') }
				),
				system: fc.constant(null),
				kind: fc.nat(),
				target: fc.nat(),
				room: fc.nat(),
				flag: fc.boolean()
			})
		},
		{
			weight: 9,
			arbitrary: fc.record({
				actor: fc.constantFrom(...people),
				system: fc.constantFrom('connect' as const, 'connect' as const, 'disconnect' as const),
				kind: fc.nat(),
				target: fc.nat(),
				room: fc.nat(),
				flag: fc.boolean()
			})
		},
		{
			weight: 1,
			arbitrary: fc.record({
				actor: fc.constant(SYSTEM),
				system: fc.constant('reset' as const),
				kind: fc.nat(),
				target: fc.nat(),
				room: fc.nat(),
				flag: fc.boolean()
			})
		}
	);

	function envelopeFor(state: SessionState, s: Step, at: number): Envelope {
		if (s.system === 'reset') return { actor: SYSTEM, at, command: { type: 'connectionsReset' } };
		if (s.system) {
			const seed = cast.find((p) => p.id === s.actor) ?? cast[0];
			return s.system === 'connect'
				? { actor: SYSTEM, at, command: { type: 'connected', participant: seed } }
				: { actor: SYSTEM, at, command: { type: 'disconnected', participantId: seed.id } };
		}
		return { actor: s.actor, at, command: commandFor(state, s) };
	}

	return { stepArb, envelopeFor };
}
