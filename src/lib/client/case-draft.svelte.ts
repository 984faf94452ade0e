import { PARTY_ROLES, type PartyRole } from '../protocol/roles.ts';

export interface PartyDraft {
	/** Stable key for rendering; not submitted. */
	key: number;
	id?: string;
	role: PartyRole;
	displayName: string;
	email: string;
	phone: string;
	address: string;
	/** Index (as a string, like a select value) of the person a companion accompanies. */
	accompanies: string;
}

export type PartyValues = Partial<Omit<PartyDraft, 'key'>> & { accompanies?: string | number };

/** What a referral form starts from: an existing case, or what was submitted and refused. */
export interface CaseFormValues {
	referralSource?: string;
	referralStage?: string;
	offenseCategory?: string;
	description?: string;
	offenderIsJuvenile?: boolean | string;
	lossesClaimed?: string;
	parties?: PartyValues[];
}

let nextKey = 1;

const blank = (role: PartyRole): PartyDraft => ({
	key: nextKey++,
	role,
	displayName: '',
	email: '',
	phone: '',
	address: '',
	accompanies: ''
});

/** The list of people on a referral form, edited in the browser before it is submitted. */
export class PartyList {
	#rows = $state<PartyDraft[]>([]);

	constructor(initial: PartyValues[] | undefined) {
		this.#rows =
			initial && initial.length > 0
				? initial.map((p) => ({
						...blank(p.role ?? PARTY_ROLES.victim),
						...p,
						displayName: p.displayName ?? '',
						email: p.email ?? '',
						phone: p.phone ?? '',
						address: p.address ?? '',
						accompanies: p.accompanies === undefined ? '' : String(p.accompanies)
					}))
				: [blank(PARTY_ROLES.victim), blank(PARTY_ROLES.offender)];
	}

	get rows(): PartyDraft[] {
		return this.#rows;
	}

	add(role: PartyRole): void {
		this.#rows.push(blank(role));
	}

	/** Removing a row shifts later indices: companions pointing past it follow, at it are cleared. */
	remove(index: number): void {
		this.#rows.splice(index, 1);
		for (const row of this.#rows) {
			if (row.accompanies === '') continue;
			const target = Number(row.accompanies);
			if (target === index) row.accompanies = '';
			else if (target > index) row.accompanies = String(target - 1);
		}
	}

	/** Whom a companion in row `index` may accompany: the victims and offenders of the list. */
	accompanyOptions(index: number): { value: string; label: string }[] {
		return this.#rows.flatMap((row, i) =>
			i !== index && (row.role === PARTY_ROLES.victim || row.role === PARTY_ROLES.offender)
				? [{ value: String(i), label: row.displayName || `#${i + 1}` }]
				: []
		);
	}
}

export const isCompanion = (role: PartyRole): boolean =>
	role === PARTY_ROLES.guardian || role === PARTY_ROLES.support;
