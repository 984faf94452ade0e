import { redirect, type Cookies } from '@sveltejs/kit';
import { getDeps } from '#lib/server/deps.ts';
import { enterAccessCode } from '#lib/server/invitations/enter-access-code.ts';
import { openInvitation } from '#lib/server/invitations/open-invitation.ts';
import {
	partyCookieName,
	type StartedPartySession
} from '#lib/server/invitations/party-sessions.ts';
import { runAction } from '#lib/server/kit/actions.ts';
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
	const { page, session } = await openInvitation(getDeps(), {
		token: params.token,
		sessionFor: (meetingId) => cookies.get(partyCookieName(meetingId)),
		ip: getClientAddress()
	});
	keepSession(cookies, session, url.protocol === 'https:');
	return { page };
};

export const actions: Actions = {
	enterCode: async ({ params, request, cookies, url, getClientAddress }) => {
		const form = await request.formData();
		const result = await runAction(() =>
			enterAccessCode(getDeps(), {
				token: params.token,
				code: form.get('code'),
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
