import canonicalize from 'canonicalize';
import { digest } from 'lib0/hash/sha256';
import * as Y from 'yjs';
import {
	emptyContent,
	type AgreementContent,
	type ClauseId,
	type Frequency,
	type Instalment,
	type Obligation,
	type ObligationKind
} from './model.ts';
import { generateInstalments } from './schedule.ts';

/**
 * How an agreement lives in a Yjs document while it is drafted, and how it is read back as
 * plain data. Texts are Y.Text (several people type in them at once); everything else is a
 * value in a Y.Map. Acceptances are NOT in the document: they are records the server keeps,
 * made only by the person accepting (see src/lib/server/agreements).
 *
 * Layout:  harm: Y.Text · apology: Y.Map{delivery, note: Y.Text}
 *          obligations: Y.Array<Y.Map{id, kind, responsible, description: Y.Text,
 *            verification: Y.Text, amountMinor, currency, scheduleKind, dueDate, frequency,
 *            startDate, instalments: Y.Array<Y.Map{dueDate, amountMinor}>, hours,
 *            beneficiary, byDate}> · freeText: Y.Text
 */

export const parts = (doc: Y.Doc) => ({
	harm: doc.getText('harm'),
	apology: doc.getMap<unknown>('apology'),
	obligations: doc.getArray<Y.Map<unknown>>('obligations'),
	freeText: doc.getText('freeText')
});

const textOf = (value: unknown) => (value instanceof Y.Text ? value.toString() : '');
const str = (value: unknown) => (typeof value === 'string' ? value : '');
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const dateOrNull = (value: unknown) => (typeof value === 'string' && value ? value : null);

function readObligation(map: Y.Map<unknown>): Obligation {
	const base = {
		id: str(map.get('id')),
		responsible: str(map.get('responsible')),
		description: textOf(map.get('description')),
		verification: textOf(map.get('verification'))
	};
	switch (map.get('kind') as ObligationKind) {
		case 'payment': {
			const instalments = map.get('instalments');
			return {
				...base,
				kind: 'payment',
				amountMinor: num(map.get('amountMinor')),
				currency: str(map.get('currency')),
				schedule:
					map.get('scheduleKind') === 'instalments'
						? {
								kind: 'instalments',
								frequency: (str(map.get('frequency')) || 'monthly') as Frequency,
								startDate: str(map.get('startDate')),
								instalments:
									instalments instanceof Y.Array
										? instalments.toArray().map((i: Y.Map<unknown>) => ({
												dueDate: str(i.get('dueDate')),
												amountMinor: num(i.get('amountMinor'))
											}))
										: []
							}
						: { kind: 'lump_sum', dueDate: str(map.get('dueDate')) }
			};
		}
		case 'service':
			return {
				...base,
				kind: 'service',
				hours: num(map.get('hours')),
				beneficiary: map.get('beneficiary') === 'victim' ? 'victim' : 'community',
				byDate: str(map.get('byDate'))
			};
		case 'behaviour':
			return { ...base, kind: 'behaviour', byDate: dateOrNull(map.get('byDate')) };
		default:
			return { ...base, kind: 'other', byDate: dateOrNull(map.get('byDate')) };
	}
}

/** The draft as plain data, whatever state the document is in (missing fields read empty). */
export function readContent(doc: Y.Doc): AgreementContent {
	const p = parts(doc);
	const delivery = str(p.apology.get('delivery'));
	return {
		harm: p.harm.toString(),
		apology: {
			delivery: (delivery ||
				emptyContent().apology.delivery) as AgreementContent['apology']['delivery'],
			note: textOf(p.apology.get('note'))
		},
		obligations: p.obligations.toArray().map(readObligation),
		freeText: p.freeText.toString()
	};
}

/** Adds an obligation of `kind`, carried by `responsible`; returns its id. */
export function addObligation(
	doc: Y.Doc,
	kind: ObligationKind,
	responsible: string,
	currency: string,
	id: string = crypto.randomUUID()
): string {
	doc.transact(() => {
		const map = new Y.Map<unknown>();
		map.set('id', id);
		map.set('kind', kind);
		map.set('responsible', responsible);
		map.set('description', new Y.Text());
		map.set('verification', new Y.Text());
		if (kind === 'payment') {
			map.set('amountMinor', 0);
			map.set('currency', currency);
			map.set('scheduleKind', 'lump_sum');
			map.set('dueDate', '');
			map.set('instalments', new Y.Array());
		}
		if (kind === 'service') {
			map.set('hours', 0);
			map.set('beneficiary', 'community');
			map.set('byDate', '');
		}
		if (kind === 'behaviour' || kind === 'other') map.set('byDate', '');
		parts(doc).obligations.push([map]);
	});
	return id;
}

export function obligationMap(doc: Y.Doc, id: string): Y.Map<unknown> | undefined {
	return parts(doc)
		.obligations.toArray()
		.find((map) => map.get('id') === id);
}

export function removeObligation(doc: Y.Doc, id: string): void {
	const list = parts(doc).obligations;
	const index = list.toArray().findIndex((map) => map.get('id') === id);
	if (index >= 0) list.delete(index, 1);
}

/** Replaces a payment's instalments with a generated schedule (each may be edited after). */
export function scheduleInstalments(
	doc: Y.Doc,
	id: string,
	plan: { count: number; frequency: Frequency; startDate: string }
): void {
	const map = obligationMap(doc, id);
	if (!map) return;
	const amount = num(map.get('amountMinor'));
	const instalments: Instalment[] = generateInstalments(
		amount,
		plan.count,
		plan.frequency,
		plan.startDate
	);
	doc.transact(() => {
		map.set('scheduleKind', 'instalments');
		map.set('frequency', plan.frequency);
		map.set('startDate', plan.startDate);
		const list = new Y.Array<Y.Map<unknown>>();
		list.push(
			instalments.map((i) => {
				const entry = new Y.Map<unknown>();
				entry.set('dueDate', i.dueDate);
				entry.set('amountMinor', i.amountMinor);
				return entry;
			})
		);
		map.set('instalments', list);
	});
}

/** Seeds a new document with its empty structure (apology text, default delivery). */
export function initialiseDocument(doc: Y.Doc): void {
	const p = parts(doc);
	if (p.apology.has('note')) return;
	doc.transact(() => {
		p.apology.set('delivery', emptyContent().apology.delivery);
		p.apology.set('note', new Y.Text());
	});
}

/**
 * A short fingerprint of one clause's content: an acceptance names the fingerprint it saw,
 * so that a change to the clause after acceptance shows as "changed since accepted".
 */
export function clauseFingerprint(content: AgreementContent, clause: ClauseId): string {
	const value =
		clause === 'harm'
			? content.harm.trim()
			: clause === 'apology'
				? content.apology
				: clause === 'free_text'
					? content.freeText.trim()
					: content.obligations.find((o) => `obligation:${o.id}` === clause);
	const bytes = digest(new TextEncoder().encode(canonicalize(value ?? null) ?? ''));
	return [...bytes.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
