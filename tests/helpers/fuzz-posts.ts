import type { Rand } from './fuzz-random.ts';

/** What the form fuzzer may post to, as the people it can act as. */
export interface PostTargets {
	url: string;
	caseId: string;
	victimId: string;
	/** A party's link path (its page has form actions). */
	victimLink: string;
	cookies: { coordinator: string; victim: string };
}

/** A request the fuzzer sends with fetch. */
export interface Post {
	path: string;
	init: RequestInit;
}

/**
 * Form actions worth reaching. Not those that would end what the other workers need (withdraw,
 * close, cancel, revoke or reissue a link): random input is refused by them anyway, but a
 * lucky one would leave the rest of the run at the door.
 */
function formPaths(t: PostTargets): string[] {
	const c = `/staff/riverside/cases/${t.caseId}`;
	return [
		'/login?/signIn',
		'/login?/verifyCode',
		'/staff/riverside/cases/new',
		`${c}?/assignMediator`,
		`${c}?/createMeeting`,
		`${c}/edit`,
		`${c}/preparation?/proposeTimes`,
		`${c}/preparation?/screening`,
		`${c}/preparation?/consent`,
		`${c}/preparation?/choices`,
		`${c}/preparation?/held`,
		`${c}/preparation?/override`,
		`${c}/follow-up?/record`,
		`${c}/follow-up?/checkIn`,
		`${c}/follow-up?/reoffending`,
		'/staff/riverside/settings',
		'/staff/riverside/team?/add',
		'/staff/riverside/outbox?/retry',
		'/staff/account?/changePassword',
		'/verify',
		`/survey/${'x'.repeat(43)}`,
		`${t.victimLink}?/consent`,
		`${t.victimLink}?/choices`,
		`${t.victimLink}?/enterCode`
	];
}

const REAL_NAMES = [
	'partyId',
	'times.0',
	'times.1',
	'description',
	'reason',
	'email',
	'password',
	'code',
	'sha256',
	'followUpId',
	'meetingId',
	'kind',
	'scheduledAt',
	'parties.0.role',
	'parties.1.displayName',
	'readinessGate',
	'checkInDays'
];

function fieldName(r: Rand): string {
	switch (r.int(0, 9)) {
		case 0:
			return `times.${r.edgeNumber()}`;
		case 1:
			return `parties.${r.int(0, 300)}.${r.pick(['role', 'displayName', 'email', 'accompanies', 'id', '0'])}`;
		case 2:
			return Array.from({ length: r.int(2, 12) }, () => r.pick(['a', '0', 'b', '1'])).join('.');
		case 3:
			return r.pick([
				'__proto__.admin',
				'constructor.prototype.x',
				'toString.x',
				'hasOwnProperty',
				'0',
				'',
				'.',
				'x.',
				'.x',
				'x..y',
				'x.01',
				'x.-1',
				'x.1e3'
			]);
		case 4:
			return 'n'.repeat(r.int(90, 400));
		case 5:
			return r.text(20);
		default:
			return r.pick(REAL_NAMES);
	}
}

function fieldValue(r: Rand, t: PostTargets, long: boolean): string {
	if (long && r.chance(0.2)) return 'x'.repeat(r.int(9_000, 30_000));
	return r.pick([
		r.text(40),
		'',
		t.victimId,
		'2031-03-04T10:00',
		'victim',
		'on',
		String(r.edgeNumber())
	]);
}

const urlencoded = (fields: [string, string][]) => new URLSearchParams(fields).toString();

function body(r: Rand, t: PostTargets): { body: BodyInit; type?: string } {
	const count = r.chance(0.15) ? r.int(250, 400) : r.int(0, 20);
	const fields = Array.from(
		{ length: count },
		() => [fieldName(r), fieldValue(r, t, count <= 20)] as [string, string]
	);
	switch (r.int(0, 7)) {
		case 0:
		case 1:
			return { body: urlencoded(fields), type: 'application/x-www-form-urlencoded' };
		case 2: {
			const form = new FormData();
			for (const [name, value] of fields) form.append(name, value);
			for (let i = r.int(0, 3); i > 0; i--)
				form.append(
					r.pick(['file', 'description', r.text(5)]),
					new Blob([r.bytes(r.int(0, 20_000))]),
					r.text(30)
				);
			return { body: form };
		}
		case 3:
			return {
				body: r.pick(['a&', '&', 'a=1&', '=&', '%&']).repeat(r.int(1_000, 200_000)),
				type: 'application/x-www-form-urlencoded'
			};
		case 4: {
			// Multipart by hand: parts by the hundred, bad or missing boundaries, no end.
			const boundary = r.pick(['b', 'x'.repeat(70), 'a"b', '']);
			const part = `--${boundary}\r\nContent-Disposition: form-data; name="${r.text(10)}"${r.chance(0.3) ? '; filename="f"' : ''}\r\n\r\n${r.text(20)}\r\n`;
			return {
				body: part.repeat(r.int(1, 600)) + (r.chance(0.5) ? `--${boundary}--\r\n` : ''),
				type: r.pick([
					`multipart/form-data; boundary=${boundary}`,
					`multipart/form-data; boundary="${boundary}"`,
					'multipart/form-data',
					`multipart/form-data; boundary=${boundary}; boundary=other`
				])
			};
		}
		case 5:
			return { body: urlencoded(fields), type: r.pick(['text/plain', 'application/json', '']) };
		default:
			return { body: r.bytes(r.int(0, 100_000)), type: 'multipart/form-data; boundary=b' };
	}
}

/** A JSON body of any shape (deep, wide, big) for the agreement endpoints. */
function jsonBody(r: Rand): string {
	const depth = r.int(1, 100_000);
	return r.pick([
		JSON.stringify(r.json(6)),
		'['.repeat(depth) + ']'.repeat(depth),
		`{"clause":"${'x'.repeat(r.int(0, 300_000))}"}`,
		'{"hash":'.repeat(r.int(1, 30_000)),
		r.text(100)
	]);
}

/** One hostile request: a form post to an action, or a JSON body to the agreement endpoints. */
export function hostilePost(r: Rand, t: PostTargets): Post {
	const headers: Record<string, string> = {};
	if (r.chance(0.85)) headers.origin = t.url;
	else if (r.chance(0.5)) headers.origin = 'http://evil.example';
	const cookie = r.pick([undefined, t.cookies.coordinator, t.cookies.victim]);
	if (cookie) headers.cookie = cookie;
	if (r.chance(0.2)) {
		headers['content-type'] = 'application/json';
		const endpoint = r.pick(['accept', 'read-only', 'freeze', 'reopen', 'sign']);
		const id = r.pick(['00000000-0000-4000-8000-000000000000', r.text(10)]);
		return {
			path: `/api/agreements/${encodeURIComponent(id.toWellFormed())}/${endpoint}`,
			init: { method: 'POST', headers, body: jsonBody(r) }
		};
	}
	if (r.chance(0.6)) {
		headers.accept = 'application/json';
		headers['x-sveltekit-action'] = 'true';
	}
	const { body: payload, type } = body(r, t);
	if (type !== undefined) headers['content-type'] = type;
	return { path: r.pick(formPaths(t)), init: { method: 'POST', headers, body: payload } };
}

/** Raw HTTP that no client library would send: bad targets, headers, bodies cut short. */
export function rawHttp(r: Rand): string {
	return r.pick([
		'GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n',
		'GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
		`GET /${'a'.repeat(r.int(1, 70_000))} HTTP/1.1\r\nHost: x\r\n\r\n`,
		`GET / HTTP/1.1\r\nHost: x\r\nX-A: ${'b'.repeat(r.int(10_000, 70_000))}\r\n\r\n`,
		'POST /login?/signIn HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nemail=',
		'POST /verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: multipart/form-data; boundary=b\r\n\r\nzz\r\n',
		'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc',
		`GET /collab/${r.text(20)} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${r.text(10)}\r\n\r\n`,
		`GET /rt/?EIO=${r.edgeNumber()}&transport=${r.pick(['websocket', 'polling', 'x'])} HTTP/1.1\r\nHost: x\r\n\r\n`,
		`${r.text(30)}\r\n\r\n`
	]);
}
