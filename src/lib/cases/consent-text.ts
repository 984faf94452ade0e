import canonicalize from 'canonicalize';
import { digest } from 'lib0/hash/sha256';

/**
 * The consent text a party is shown, versioned: a consent record names the version and the
 * SHA-256 of exactly these words, so that what a person agreed to can always be shown again.
 * A change of wording is a new version; old versions stay here, never edited.
 */
export interface ConsentText {
	version: string;
	title: string;
	sections: { heading: string; body: string }[];
	agreement: string;
}

export const CONSENT_TEXTS: Record<string, ConsentText> = {
	'en-2026-11': {
		version: 'en-2026-11',
		title: 'Taking part in victim–offender mediation',
		sections: [
			{
				heading: 'What mediation is',
				body:
					'A trained mediator helps the person harmed and the person responsible talk about what ' +
					'happened, its effects, and how the harm can be repaired. Each of you meets the mediator ' +
					'separately first. A joint meeting happens only if both of you want it and the mediator ' +
					'thinks it is safe.'
			},
			{
				heading: 'It is your choice',
				body:
					'Taking part is voluntary. You may stop at any time, before or during any meeting, without ' +
					'giving a reason. You can take a break at any moment during a meeting.'
			},
			{
				heading: 'What stays confidential, and its limits',
				body:
					'What is said in mediation stays between the people taking part and the program. Meetings ' +
					'are never recorded. The program reports to the referring agency only whether the ' +
					'mediation took place and any agreement reached and whether it was carried out. The ' +
					'mediator must report a threat to someone’s safety, the abuse of a child, or a plan to ' +
					'commit a crime. Your contact details are never shown to the other party.'
			}
		],
		agreement: 'I have read this, I understand it, and I agree to take part in mediation.'
	}
};

/** The version new consents are asked against. */
export const CURRENT_CONSENT_VERSION = 'en-2026-11';

/** SHA-256 (hex) of a version's words, as recorded with each consent. */
export function consentTextHash(text: ConsentText): string {
	const bytes = digest(new TextEncoder().encode(canonicalize(text) ?? ''));
	return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
