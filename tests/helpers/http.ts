import http from 'node:http';
import * as devalue from 'devalue';

export type ActionResult =
	| { type: 'success'; status: number; data: Record<string, unknown> }
	| { type: 'failure'; status: number; data: Record<string, unknown> }
	| { type: 'redirect'; status: number; location: string }
	| { type: 'error'; status: number; error: { message: string } };

/**
 * A browser-like HTTP client for tests: keeps cookies, sends the same-origin `Origin` header
 * SvelteKit requires on form posts, and reads form-action answers as `use:enhance` does.
 */
export class HttpClient {
	readonly cookies = new Map<string, string>();
	readonly baseUrl: string;
	readonly #forged: Forged | null;

	constructor(baseUrl: string, forged: Forged | null = null) {
		this.baseUrl = baseUrl;
		this.#forged = forged;
	}

	/**
	 * The same person (their cookies, as they are now) sending headers of their choosing on
	 * every request — a forged `Host`, `X-Forwarded-Host` — and claiming `origin` as their page's
	 * origin, consistently, as a client that forges them would.
	 */
	forging(forged: Forged): HttpClient {
		const client = new HttpClient(this.baseUrl, forged);
		for (const [name, value] of this.cookies) client.cookies.set(name, value);
		return client;
	}

	/** The origin this client's pages claim: a browser sends it with every form post. */
	get origin(): string {
		return this.#forged?.origin ?? this.baseUrl;
	}

	get cookieHeader(): string {
		return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
	}

	async fetch(path: string, init: RequestInit = {}): Promise<Response> {
		const headers = new Headers(init.headers);
		if (this.cookies.size) headers.set('cookie', this.cookieHeader);
		for (const [name, value] of Object.entries(this.#forged?.headers ?? {}))
			headers.set(name, value);
		const request = { ...init, headers, redirect: 'manual' as const };
		const url = new URL(path, this.baseUrl);
		// fetch always sends the real Host: a forged one goes out through node:http.
		const response = headers.has('host') ? await sendAsIs(url, request) : await fetch(url, request);
		for (const line of response.headers.getSetCookie()) {
			const [pair, ...attributes] = line.split(';');
			const eq = pair.indexOf('=');
			const name = pair.slice(0, eq).trim();
			const value = pair.slice(eq + 1).trim();
			const expired = attributes.some(
				(a) => /max-age=0/i.test(a) || /expires=thu, 01 jan 1970/i.test(a)
			);
			if (expired || value === '') this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
		return response;
	}

	/** GET a page; returns status and HTML. */
	async page(path: string): Promise<{ status: number; html: string; location: string | null }> {
		const response = await this.fetch(path);
		return {
			status: response.status,
			html: await response.text(),
			location: response.headers.get('location')
		};
	}

	/** Submits a form action as an enhanced form does and decodes its answer. */
	async action(
		path: string,
		fields: Record<string, string | number | boolean | undefined>
	): Promise<ActionResult> {
		const body = new FormData();
		for (const [name, value] of Object.entries(fields))
			if (value !== undefined && value !== false)
				body.set(name, value === true ? 'on' : String(value));
		return this.submit(path, body);
	}

	/** Submits a form as built by the caller (files included) and decodes the answer. */
	async submit(path: string, body: FormData): Promise<ActionResult> {
		const response = await this.fetch(path, {
			method: 'POST',
			body,
			headers: { origin: this.origin, accept: 'application/json', 'x-sveltekit-action': 'true' }
		});
		const text = await response.text();
		let json: {
			type: ActionResult['type'];
			status: number;
			data?: string;
			location?: string;
			error?: { message: string };
		};
		try {
			json = JSON.parse(text);
		} catch {
			return { type: 'error', status: response.status, error: { message: text.slice(0, 200) } };
		}
		if (json.type === 'success' || json.type === 'failure')
			return {
				type: json.type,
				status: json.status,
				data: (json.data ? devalue.parse(json.data) : {}) as Record<string, unknown>
			};
		if (json.type === 'redirect')
			return { type: 'redirect', status: json.status, location: json.location ?? '' };
		return {
			type: 'error',
			status: json.status ?? response.status,
			error: json.error ?? { message: '' }
		};
	}
}

/** What a client that forges its headers sends on every request, and the origin it claims. */
export interface Forged {
	headers: Record<string, string>;
	origin: string;
}

/** One request with exactly the headers given, `Host` included, as a Response. */
async function sendAsIs(url: URL, init: RequestInit & { headers: Headers }): Promise<Response> {
	// A Request encodes the body as fetch would (a form's multipart boundary included).
	const request = new Request(url, { method: init.method, headers: init.headers, body: init.body });
	const body = Buffer.from(await request.arrayBuffer());
	const headers: Record<string, string> = Object.fromEntries(request.headers);
	if (body.length > 0) headers['content-length'] = String(body.length);
	return new Promise<Response>((resolve, reject) => {
		const outgoing = http.request(
			{
				host: url.hostname,
				port: url.port,
				method: request.method,
				path: url.pathname + url.search,
				headers
			},
			(incoming) => {
				const chunks: Buffer[] = [];
				incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
				incoming.on('error', reject);
				incoming.on('end', () => {
					const answer = new Headers();
					for (let i = 0; i < incoming.rawHeaders.length; i += 2)
						answer.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
					const status = incoming.statusCode ?? 500;
					const empty = status === 204 || status === 304;
					resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: answer }));
				});
			}
		);
		outgoing.on('error', reject);
		outgoing.end(body);
	});
}

/** The data of a successful action; fails the test, showing the result, otherwise. */
export function successData<T = Record<string, unknown>>(result: ActionResult): T {
	if (result.type !== 'success') throw new Error(`expected success, got ${JSON.stringify(result)}`);
	return result.data as T;
}

/** The data of a refused action (field errors, values); fails the test otherwise. */
export function failureData<
	T = { errors: Record<string, string>; message: string; values: Record<string, unknown> }
>(result: ActionResult): T {
	if (result.type !== 'failure') throw new Error(`expected failure, got ${JSON.stringify(result)}`);
	return result.data as T;
}
