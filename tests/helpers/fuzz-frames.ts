import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { COLLAB_MESSAGES } from '#lib/protocol/collab.ts';
import { MEDIATOR_COMMANDS, OWN_COMMANDS, PARTY_COMMANDS } from '#lib/protocol/session-commands.ts';
import { PROTOCOL_VERSION } from '#lib/protocol/version.ts';
import type { Rand } from './fuzz-random.ts';

/** One WebSocket frame: text or binary. */
export type Frame = string | Uint8Array;

/** What the fuzz test knows of the running server, to reach past its first checks. */
export interface FuzzTarget {
	url: string;
	meetingId: string;
	/** Ids seen in what the server sent (participants, rooms, notices): commands name them. */
	seenIds: Set<string>;
}

/** Every command the protocol has, from its own schemas, and names no command may have. */
const COMMAND_TYPES: string[] = [
	...[MEDIATOR_COMMANDS, PARTY_COMMANDS, OWN_COMMANDS]
		.flatMap((union) => union.options.map((option) => option.shape.type.value as string))
		// Not endSession nor withdraw: the run would end the meeting its connections need.
		.filter((type) => type !== 'endSession' && type !== 'withdraw'),
	// Every object has these: never a command, never an id (protocol/ids.ts).
	'__proto__',
	'constructor'
];

function someId(r: Rand, t: FuzzTarget): unknown {
	const seen = [...t.seenIds];
	if (seen.length > 0 && r.chance(0.6)) return r.pick(seen);
	return r.pick([r.text(40), '__proto__', 'toString', 'joint', r.edgeNumber(), null, {}]);
}

/** A command shaped like the real ones, with fields that are right, wrong or hostile. */
export function commandLike(r: Rand, t: FuzzTarget): Record<string, unknown> {
	const command: Record<string, unknown> = { type: r.pick(COMMAND_TYPES) };
	if (r.chance(0.5)) command.participantId = someId(r, t);
	if (r.chance(0.3)) command.roomId = someId(r, t);
	if (r.chance(0.3)) command.noticeId = someId(r, t);
	if (r.chance(0.3))
		command.step = r.pick(['opening', 'victim_account', 'drafting', 'closing', r.text(10)]);
	if (r.chance(0.3)) command.mode = r.pick(['moderated', 'turns', 'open', r.text(5)]);
	if (r.chance(0.3)) command.muted = r.pick([true, false, 'yes', null]);
	if (r.chance(0.3)) command.seconds = r.edgeNumber();
	if (r.chance(0.2)) command.order = Array.from({ length: r.int(0, 40) }, () => someId(r, t));
	if (r.chance(0.2)) command.arrangement = r.pick(['joint', 'shuttle', r.text(5)]);
	if (r.chance(0.2)) command[r.text(8)] = r.json();
	return command;
}

function signalLike(r: Rand, t: FuzzTarget): unknown {
	const sdp = Array.from({ length: r.int(0, 60) }, () =>
		r.pick([
			'a=candidate:1 1 udp 1 10.0.0.1 5000 typ host',
			'a=candidate:2 1 udp 1 203.0.113.9 3478 typ relay raddr 192.168.1.2 rport 5000',
			'c=IN IP4 192.168.1.2',
			'a=rtcp:9 IN IP6 ::1',
			` typ relay raddr ${'x'.repeat(r.int(0, 500))}`,
			r.text(80)
		])
	).join(r.pick(['\r\n', '\n', '\r']));
	return {
		to: someId(r, t),
		payload: r.pick([
			{ description: { type: r.pick(['offer', 'answer', 'rollback', 'x']), sdp } },
			{
				candidate: {
					candidate: sdp.slice(0, 2_500),
					sdpMid: r.text(10),
					sdpMLineIndex: r.edgeNumber()
				}
			},
			{ candidate: null },
			{ restart: r.pick([true, false, 1]) },
			r.json()
		])
	};
}

const valid = (t: FuzzTarget) =>
	JSON.stringify({ protocol: PROTOCOL_VERSION, meetingId: t.meetingId, as: 'staff' });

/** The CONNECT packet a browser sends; `as` decides which of its cookies count. */
export const socketHandshake = (t: FuzzTarget, as: 'party' | 'staff'): string =>
	`40${JSON.stringify({ protocol: PROTOCOL_VERSION, meetingId: t.meetingId, as })}`;

/**
 * A batch of engine.io / socket.io frames over a WebSocket (EIO 4: `4` is a message, then the
 * socket.io packet: `0` connect, `1` disconnect, `2` event, `3` ack, `5`/`6` binary ones).
 */
export function socketIoFrames(r: Rand, t: FuzzTarget): Frame[] {
	const event = (name: unknown, ...args: unknown[]) => `42${JSON.stringify([name, ...args])}`;
	switch (r.int(0, 16)) {
		case 0:
			return [r.text(200)];
		case 1:
			return [r.bytes(r.int(1, 512))];
		case 2:
			return [r.pick(['1', '5', '6', '3probe', '2probe', '9', '', '4', '0', '0{}', '2', '3'])];
		case 3:
			return [`4${r.int(0, 9)}${r.text(60)}`];
		case 4:
			return [
				r.pick([
					'42[',
					'42["command",{',
					'42["command"',
					'42{}',
					'42"command"',
					'42[]',
					'421',
					'42 5[]',
					'4299999999999999999999["command"]',
					'42-1["command",{}]',
					`42${'9'.repeat(400)}["command",{}]`
				])
			];
		case 5: {
			// A binary event announcing attachments, then some of them (or none, or too many).
			const announce = `45${r.edgeNumber()}-${JSON.stringify(['command', { _placeholder: true, num: r.edgeNumber() }])}`;
			return [announce, ...Array.from({ length: r.int(0, 20) }, () => r.bytes(r.int(0, 4096)))];
		}
		case 6: {
			const depth = r.int(1_000, 30_000);
			return [
				r.chance(0.5)
					? `42["command",${'['.repeat(depth)}${']'.repeat(depth)}]`
					: `42["command",${'{"a":'.repeat(depth / 5)}1${'}'.repeat(depth / 5)}]`
			];
		}
		case 7:
			return [
				`40/${r.pick(['admin', 'rt', '', '..', '%', r.text(10)])},${JSON.stringify(r.json())}`
			];
		case 8:
			return [
				r.pick([
					`40${JSON.stringify(r.json())}`,
					`40{"protocol":${JSON.stringify(r.edgeNumber())},"meetingId":${JSON.stringify(someId(r, t))},"as":"${r.pick(['staff', 'party', 'admin'])}"}`,
					`40${valid(t)}`
				])
			];
		case 9:
			return [
				event(
					r.pick([
						'command',
						'signal',
						'hello',
						'error',
						'__proto__',
						'constructor',
						'toString',
						123
					]),
					...Array.from({ length: r.int(0, 3) }, () => r.json())
				)
			];
		case 10:
			return [`42${r.int(0, 2 ** 31)}${JSON.stringify(['command', commandLike(r, t)])}`];
		case 11:
			return [`43${r.edgeNumber()}${JSON.stringify([r.json()])}`, '41'];
		case 12:
			return [event('command', 'x'.repeat(r.int(60_000, 80_000)))];
		case 13:
			// A flood: valid events as fast as the socket takes them.
			return Array.from({ length: r.int(100, 400) }, (_, i) =>
				r.chance(0.5)
					? `42${i}${JSON.stringify(['command', { type: r.pick(['raiseHand', 'lowerHand', 'stepOut', 'readyToReturn']) }])}`
					: `42${i}${JSON.stringify(['signal', signalLike(r, t)])}`
			);
		case 14:
			return [`42${r.int(0, 1000)}${JSON.stringify(['signal', signalLike(r, t)])}`];
		case 15:
			return [
				`42${r.int(0, 9)}${JSON.stringify(['hello'])}`,
				`42${JSON.stringify(['hello', r.json()])}`
			];
		default:
			return Array.from(
				{ length: r.int(1, 20) },
				() => `42${r.int(0, 1e6)}${JSON.stringify(['command', commandLike(r, t)])}`
			);
	}
}

function encoded(build: (e: encoding.Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	build(encoder);
	return encoding.toUint8Array(encoder);
}

/** A small, real Yjs update: some text typed into a fresh document. */
function realUpdate(r: Rand): Uint8Array {
	const doc = new Y.Doc();
	doc.clientID = r.int(0, 2 ** 32 - 1);
	doc.getText(r.pick(['notes', 'content', 'text'])).insert(0, r.text(50));
	if (r.chance(0.3)) doc.getMap(r.pick(['map', 'agreement'])).set(r.text(5), r.json(2));
	return Y.encodeStateAsUpdate(doc);
}

/** A batch of y-websocket frames (lib0 encoding: varUint message type, then its body). */
export function collabFrames(r: Rand): Frame[] {
	const { sync, awareness, queryAwareness } = COLLAB_MESSAGES;
	switch (r.int(0, 12)) {
		case 0:
			return [r.bytes(r.int(1, 2048))];
		case 1:
			// Truncated varints: the continuation bit set to the end.
			return [
				new Uint8Array(r.int(1, 12)).fill(0x80),
				Uint8Array.of(sync, 0x80),
				Uint8Array.of(0xff)
			];
		case 2:
			// Lengths declared far beyond the message.
			return [
				encoded((e) => {
					encoding.writeVarUint(e, r.pick([sync, awareness]));
					if (r.chance(0.5)) encoding.writeVarUint(e, r.int(0, 2));
					encoding.writeVarUint(
						e,
						r.pick([2 ** 31, 2 ** 32 - 1, 2 ** 50, Number.MAX_SAFE_INTEGER])
					);
					encoding.writeUint8Array(e, r.bytes(r.int(0, 64)));
				})
			];
		case 3:
			// A flood of sync step 1 (each asks the server for everything it has).
			return Array.from({ length: r.int(50, 300) }, () =>
				encoded((e) => {
					encoding.writeVarUint(e, sync);
					encoding.writeVarUint(e, 0);
					encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc()));
				})
			);
		case 4:
			return [
				encoded((e) => {
					encoding.writeVarUint(e, sync);
					encoding.writeVarUint(e, r.pick([1, 2]));
					encoding.writeVarUint8Array(e, r.chance(0.5) ? realUpdate(r) : r.bytes(r.int(0, 600)));
				})
			];
		case 5: {
			// An awareness update: entries, client ids, clocks and states of any kind.
			const entries = r.pick([0, 1, 2, 17, 1_000, 2 ** 31]);
			return [
				encoded((e) => {
					encoding.writeVarUint(e, awareness);
					encoding.writeVarUint8Array(
						e,
						encoded((inner) => {
							encoding.writeVarUint(inner, entries);
							for (let i = 0; i < Math.min(entries, 20); i++) {
								encoding.writeVarUint(inner, r.int(0, 2 ** 32 - 1));
								encoding.writeVarUint(inner, r.int(0, 2 ** 31));
								const depth = r.int(0, 20_000);
								encoding.writeVarString(
									inner,
									r.pick([
										JSON.stringify(r.json()),
										`{"cursor":{"field":"x","anchor":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
										'null',
										r.text(50),
										JSON.stringify({
											user: { name: 'Someone else', role: 'staff' },
											cursor: r.json()
										})
									])
								);
							}
						})
					);
				})
			];
		}
		case 6:
			return [Uint8Array.of(queryAwareness), Uint8Array.of(queryAwareness, 0xff)];
		case 7:
			return [
				Uint8Array.of(r.pick([2, 7, 99, 100, 127])),
				encoded((e) => encoding.writeVarUint(e, r.int(4, 2 ** 31)))
			];
		case 8:
			return [r.text(100)];
		case 9:
			return [r.bytes(r.int(520_000, 600_000))];
		case 10:
			// Many structs declared, few present.
			return [
				encoded((e) => {
					encoding.writeVarUint(e, sync);
					encoding.writeVarUint(e, 2);
					encoding.writeVarUint8Array(
						e,
						encoded((u) => {
							encoding.writeVarUint(u, r.pick([1, 2 ** 31, 2 ** 32 - 1]));
							encoding.writeVarUint(u, r.pick([1, 2 ** 31, 2 ** 32 - 1]));
							encoding.writeVarUint(u, r.int(0, 2 ** 32 - 1));
							encoding.writeVarUint(u, r.int(0, 2 ** 31));
							encoding.writeUint8Array(u, r.bytes(r.int(0, 64)));
						})
					);
				})
			];
		default:
			return Array.from({ length: r.int(1, 10) }, () =>
				encoded((e) => {
					encoding.writeVarUint(e, sync);
					encoding.writeVarUint(e, 2);
					encoding.writeVarUint8Array(e, realUpdate(r));
				})
			);
	}
}
