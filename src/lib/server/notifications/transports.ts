import nodemailer from 'nodemailer';
import type { NotificationsConfig } from '#server/config.ts';
import type { NotificationChannel } from '../../cases/casework.ts';

/** What a transport needs of a notification. */
export interface OutgoingNotification {
	id: string;
	channel: NotificationChannel;
	recipient: string;
	subject: string;
	body: string;
	ics: string | null;
}

/** Hands one notification to the outside world; throws when it could not. */
export interface Transport {
	send(notification: OutgoingNotification): Promise<void>;
	close?(): void;
}

/** A text-message gateway. None is built in: bring one (or use SMS_WEBHOOK_URL). */
export interface SmsProvider {
	sendText(message: { to: string; body: string }): Promise<void>;
}

/** The transports per channel; a channel without one keeps its notifications in the outbox. */
export type Transports = Partial<Record<NotificationChannel, Transport>>;

export function smtpTransport(smtp: { url: string; from: string }): Transport {
	const mailer = nodemailer.createTransport(smtp.url);
	return {
		send: async (n) => {
			await mailer.sendMail({
				from: smtp.from,
				to: n.recipient,
				subject: n.subject,
				text: n.body,
				attachments: n.ics
					? [
							{
								filename: 'meeting.ics',
								content: n.ics,
								contentType: 'text/calendar; charset=utf-8'
							}
						]
					: []
			});
		},
		close: () => mailer.close()
	};
}

export function smsTransport(provider: SmsProvider): Transport {
	// A text cannot carry an attachment or a subject: the body says it all.
	return { send: (n) => provider.sendText({ to: n.recipient, body: n.body }) };
}

/** SMS_WEBHOOK_URL: POSTs JSON { to, from, body }; any answer but 2xx is a failure. */
export function webhookSmsProvider(webhook: {
	url: string;
	token: string | null;
	from: string | null;
}): SmsProvider {
	return {
		sendText: async ({ to, body }) => {
			const response = await fetch(webhook.url, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					...(webhook.token ? { authorization: `Bearer ${webhook.token}` } : {})
				},
				body: JSON.stringify({ to, from: webhook.from, body }),
				signal: AbortSignal.timeout(15_000)
			});
			if (!response.ok) throw new Error(`SMS gateway answered ${response.status}`);
		}
	};
}

export function createTransports(config: NotificationsConfig): Transports {
	return {
		...(config.smtp ? { email: smtpTransport(config.smtp) } : {}),
		...(config.smsWebhook ? { sms: smsTransport(webhookSmsProvider(config.smsWebhook)) } : {})
	};
}
