import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { asc, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import type { PartyView } from '#lib/protocol/session-view.ts';
import { sessionEvents } from '#lib/server/db/schema.ts';
import { testEnv } from '../helpers/env.ts';
import { joinAsMediator, joinAsParty, jointMeeting } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SessionClient, type PartyClient } from '../helpers/session-client.ts';

/**
 * Records the log of one whole joint session, run through the real server and real socket.io
 * clients, as the rows `session_events` stores — a fixture of the log's format that the
 * upgrade contract (session-upgrade.test.ts) loads for ever after. Run only when asked:
 *
 *   RECORD_SESSION_LOG=tests/fixtures/session-log-vN.json npx vitest run tests/integration/record-session-log.test.ts
 *
 * A fixture is recorded once, when a format is new, and never again: it refuses to overwrite.
 */

let server: TestServer | undefined;
const open: { close(): void }[] = [];

afterAll(async () => {
	for (const client of open) client.close();
	await server?.close();
});

describe('recording the log of a session', () => {
	it.runIf(testEnv.recordSessionLog)(
		'runs a joint session from admission to its end and writes the rows of its log',
		{ timeout: 120_000 },
		async () => {
			const file = testEnv.recordSessionLog!;
			expect(existsSync(file), `${file}: a fixture is recorded once, never again`).toBe(false);
			server = await startTestServer();
			const meeting = await jointMeeting(server, { support: true });
			const { meetingId } = meeting;
			const host = server.mend.realtime.sessions;
			const ids = {
				victim: meeting.parties.victim.id,
				support: meeting.support!.id,
				offender: meeting.parties.offender.id,
				guardian: meeting.parties.guardian.id
			};
			const track = <T extends { close(): void }>(client: T) => (open.push(client), client);
			// Between the parts of the meeting: the mediator's commands stay within their rate.
			const meanwhile = () => sleep(1500);

			// The victim arrives first and waits; the others follow, the mediator last.
			const victim = track(await joinAsParty(server, meeting, 'victim'));
			const support = track(
				await new SessionClient<PartyView>(server.url, {
					cookie: meeting.support!.http.cookieHeader,
					meetingId,
					as: 'party'
				}).connected()
			);
			const offender = track(await joinAsParty(server, meeting, 'offender'));
			const guardian = track(await joinAsParty(server, meeting, 'guardian'));
			let mediator = track(await joinAsMediator(server, meeting));

			await mediator.do({ type: 'startSession' });
			const parties: [keyof typeof ids, PartyClient][] = [
				['victim', victim],
				['support', support],
				['offender', offender],
				['guardian', guardian]
			];
			for (const [who, client] of parties) {
				await mediator.do({ type: 'admit', participantId: ids[who] });
				await client.until((v) => v.place.kind === 'joint');
				await client.do({ type: 'confirmVoluntary' });
			}

			await meanwhile();
			// The accounts, under moderation: the victim holds the floor, the offender waits.
			await mediator.do({ type: 'goToStep', step: 'victim_account' });
			await mediator.do({ type: 'setSpeakingMode', mode: 'moderated' });
			await mediator.do({ type: 'grantFloor', participantId: ids.victim });
			await offender.until((v) => v.speaking?.mode === 'moderated');
			await offender.do({ type: 'raiseHand' });
			await victim.do({ type: 'finishSpeaking' });
			await mediator.do({ type: 'goToStep', step: 'offender_account' });
			await mediator.do({ type: 'grantFloor', participantId: ids.offender });
			await mediator.do({ type: 'revokeFloor' });
			await mediator.do({ type: 'goToStep', step: 'dialogue' });

			await meanwhile();
			// A private room with the offender and their guardian; the mediator joins, then closes it.
			await mediator.do({ type: 'openPrivateRoom', participantId: ids.offender });
			const opened = await mediator.until((v) => v.rooms.some((r) => r.purpose === 'caucus'));
			const caucus = opened.rooms.find((r) => r.purpose === 'caucus')!.id;
			await mediator.do({ type: 'joinRoom', roomId: caucus });
			await mediator.do({ type: 'closeRoom', roomId: caucus });

			await meanwhile();
			// "I need a break": the victim rests, says she is ready, the mediator brings her back.
			await victim.do({ type: 'stepOut' });
			const onBreak = await mediator.until((v) => v.notices.some((n) => n.kind === 'break'));
			await mediator.do({ type: 'acknowledgeNotice', noticeId: onBreak.notices[0]!.id });
			await victim.do({ type: 'readyToReturn' });
			const ready = await mediator.until((v) =>
				v.notices.some((n) => n.kind === 'ready_to_return')
			);
			await mediator.do({ type: 'acknowledgeNotice', noticeId: ready.notices[0]!.id });
			await mediator.do({ type: 'moveParticipant', participantId: ids.victim, roomId: 'joint' });

			await meanwhile();
			// The mediator's connection drops: the sides are held apart until they are back.
			mediator.close();
			await victim.until((v) => v.separated);
			mediator = track(await joinAsMediator(server, meeting));
			await victim.until((v) => !v.separated && v.place.kind === 'joint');

			await meanwhile();
			await mediator.do({ type: 'goToStep', step: 'drafting' });
			// The guardian's phone loses its connection and comes back.
			guardian.close();
			await mediator.until((v) => !v.participants.find((p) => p.id === ids.guardian)!.present);
			track(await joinAsParty(server, meeting, 'guardian'));
			await mediator.do({ type: 'goToStep', step: 'signing' });
			await mediator.do({ type: 'goToStep', step: 'closing' });
			await mediator.do({ type: 'endSession' });
			await victim.until((v) => v.status === 'ended');
			await host.drain();

			// The rows exactly as stored, in the columns the log had when the fixture was made.
			const rows = await server.deps.db
				.select()
				.from(sessionEvents)
				.where(eq(sessionEvents.meetingId, meetingId))
				.orderBy(asc(sessionEvents.seq));
			const fixture = {
				about:
					'The log of a joint session as session_events stored it: recorded once from a real run by tests/integration/record-session-log.test.ts, never recorded again. tests/integration/session-upgrade.test.ts loads it with the current code: the upgrade contract.',
				recordedAt: new Date().toISOString(),
				meeting: { id: meetingId, kind: 'joint', firstSpeaker: 'victim' },
				people: { mediator: mediator.view.youId, ...ids },
				rows: rows.map((row) => ({
					meeting_id: row.meetingId,
					seq: row.seq,
					at: row.at.toISOString(),
					actor: row.actor,
					command: row.command,
					prev_hash: row.prevHash,
					hash: row.hash
				}))
			};
			await writeFile(file, `${JSON.stringify(fixture, null, '\t')}\n`);
		}
	);
});
