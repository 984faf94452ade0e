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

	constructor(baseUrl: string) {
		this.baseUrl = baseUrl;
	}

	get cookieHeader(): string {
		return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
	}

	async fetch(path: string, init: RequestInit = {}): Promise<Response> {
		const headers = new Headers(init.headers);
		if (this.cookies.size) headers.set('cookie', this.cookieHeader);
		const response = await fetch(new URL(path, this.baseUrl), {
			...init,
			headers,
			redirect: 'manual'
		});
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
			headers: { origin: this.baseUrl, accept: 'application/json', 'x-sveltekit-action': 'true' }
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
