import { redirect, type Cookies } from '@sveltejs/kit';
import { getDeps } from '#lib/server/deps.ts';
import { enterAccessCode } from '#lib/server/invitations/enter-access-code.ts';
import { openInvitation } from '#lib/server/invitations/open-invitation.ts';
import {
	partyCookieName,
	type StartedPartySession
} from '#lib/server/invitations/party-sessions.ts';
import type { ResolvedInvitation } from '#lib/server/invitations/resolve-invitation.ts';
import { formValues, refused, runAction } from '#lib/server/kit/actions.ts';
import { getPlanes } from '#lib/server/planes.ts';
import { partyCasework } from '#lib/server/preparation/party-casework.ts';
import { partyOfLink } from '#lib/server/preparation/party-of-link.ts';
import { giveConsentAsParty } from '#lib/server/preparation/record-consent.ts';
import { saveVictimChoicesAsParty } from '#lib/server/preparation/save-victim-choices.ts';
import { withdrawAsParty } from '#lib/server/preparation/withdraw-from-case.ts';
import type { Actions, PageServerLoad } from './$types';

function keepSession(cookies: Cookies, session: StartedPartySession | undefined, secure: boolean) {
	if (!session) return;
	cookies.set(session.cookieName, session.token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure,
		expires: session.expiresAt
	});
}

export const load: PageServerLoad = async ({ params, cookies, url, getClientAddress }) => {
	const { page, session, party } = await openInvitation(getDeps(), {
		token: params.token,
		sessionFor: (meetingId) => cookies.get(partyCookieName(meetingId)),
		ip: getClientAddress()
	});
	keepSession(cookies, session, url.protocol === 'https:');
	// The party of this link, in this browser (its session checked, or started just now).
	return { page, casework: party ? await partyCasework(getDeps().db, party) : null };
};

/** A form on the page of a party, acting for the party of this link and this browser. */
async function asParty<T>(
	event: { params: { token: string }; cookies: Cookies },
	run: (resolved: ResolvedInvitation) => Promise<T>
) {
	return runAction(async () => {
		const resolved = await partyOfLink(getDeps(), event.params.token, (name) =>
			event.cookies.get(name)
		);
		await run(resolved);
		return { done: true as const };
	});
}

export const actions: Actions = {
	consent: async (event) => {
		const input = await formValues(event.request);
		if (refused(input)) return input;
		return asParty(event, (resolved) =>
			giveConsentAsParty(getDeps(), resolved, input, event.getClientAddress())
		);
	},
	choices: async (event) => {
		const input = await formValues(event.request);
		if (refused(input)) return input;
		return asParty(event, (resolved) =>
			saveVictimChoicesAsParty(getDeps(), resolved, input, event.getClientAddress())
		);
	},
	withdraw: async (event) =>
		asParty(event, (resolved) =>
			withdrawAsParty(getDeps(), getPlanes(), resolved, event.getClientAddress())
		),
	enterCode: async ({ params, request, cookies, url, getClientAddress }) => {
		const values = await formValues(request);
		if (refused(values)) return values;
		const result = await runAction(() =>
			enterAccessCode(getDeps(), {
				token: params.token,
				code: values.code,
				ip: getClientAddress()
			})
		);
		if (result && 'page' in result) {
			keepSession(cookies, result.session, url.protocol === 'https:');
			redirect(303, url.pathname);
		}
		return result;
	}
};
