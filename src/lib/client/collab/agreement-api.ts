import * as m from '../../paraglide/messages.js';

/** What an agreement request came back with: done, or the server's reason in words. */
export type ApiResult<T> =
	{ ok: true; value: T } | { ok: false; message: string; fields: Record<string, string> };

/** Agreement endpoints, from a party's page (`meetingId`) or staff's (null). */
export class AgreementApi {
	readonly #meetingId: string | null;

	constructor(meetingId: string | null) {
		this.#meetingId = meetingId;
	}

	#url(path: string): string {
		return this.#meetingId ? `${path}?meeting=${encodeURIComponent(this.#meetingId)}` : path;
	}

	/** The agreement the meeting works on, if the drafting step has opened one. */
	agreementOfMeeting(meetingId: string) {
		return this.#request<{
			agreementId: string | null;
			caseId: string;
			notesPartyId: string | null;
		}>('GET', `/api/meetings/${meetingId}/agreement`);
	}

	act<T = { ok: true }>(
		agreementId: string,
		action: 'accept' | 'read-only' | 'freeze' | 'reopen' | 'sign',
		body: unknown
	) {
		return this.#request<T>('POST', `/api/agreements/${agreementId}/${action}`, body);
	}

	pdfUrl(agreementId: string): string {
		return this.#url(`/api/agreements/${agreementId}/pdf`);
	}

	async #request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiResult<T>> {
		try {
			const response = await fetch(this.#url(path), {
				method,
				headers: body === undefined ? {} : { 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body)
			});
			const json = await response.json().catch(() => null);
			if (response.ok) return { ok: true, value: json as T };
			return {
				ok: false,
				message: json?.error?.message ?? m.error_unexpected(),
				fields: json?.error?.fields ?? {}
			};
		} catch {
			return { ok: false, message: m.connection_offline_retry(), fields: {} };
		}
	}
}
