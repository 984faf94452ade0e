import { describe, expect, it } from 'vitest';
import { CaseInputSchema, MeetingInputSchema, zMoney } from './schemas.ts';

const valid = {
	referralSource: 'judge',
	referralStage: 'diversion',
	offenseCategory: 'property',
	description: 'Bike taken',
	offenderIsJuvenile: 'on',
	lossesClaimed: '1,250.50',
	parties: [
		{ role: 'victim', displayName: 'V' },
		{ role: 'offender', displayName: 'O' },
		{ role: 'guardian', displayName: 'G', accompanies: '1' }
	]
};

const issuesOf = (input: unknown) =>
	CaseInputSchema.safeParse(input).error?.issues.map((i) => [i.path.join('.'), i.message]) ?? [];

describe('a referral', () => {
	it('is read from form values: checkbox, money in cents, companion index', () => {
		const parsed = CaseInputSchema.parse(valid);
		expect(parsed.offenderIsJuvenile).toBe(true);
		expect(parsed.lossesClaimed).toBe(125_050);
		expect(parsed.parties[2].accompanies).toBe(1);
	});

	it('needs at least one victim and one offender', () => {
		const issues = issuesOf({
			...valid,
			parties: [
				{ role: 'victim', displayName: 'V' },
				{ role: 'victim', displayName: 'W' }
			]
		});
		expect(issues).toContainEqual(['parties', 'error_needs_offender']);
	});

	it('needs a guardian or support person to accompany a victim or offender, not themselves', () => {
		expect(
			issuesOf({
				...valid,
				parties: [
					...valid.parties.slice(0, 2),
					{ role: 'support', displayName: 'S', accompanies: '2' }
				]
			})
		).toContainEqual(['parties.2.accompanies', 'error_accompanies']);
		expect(
			issuesOf({
				...valid,
				parties: [...valid.parties.slice(0, 2), { role: 'guardian', displayName: 'G' }]
			})
		).toContainEqual(['parties.2.accompanies', 'error_accompanies']);
	});

	it('refuses a bad email, phone or amount, field by field', () => {
		const issues = issuesOf({
			...valid,
			lossesClaimed: '12.345',
			parties: [
				{ role: 'victim', displayName: 'V', email: 'not-an-email', phone: 'call me' },
				valid.parties[1]
			]
		});
		expect(issues.map(([path]) => path)).toEqual(
			expect.arrayContaining(['lossesClaimed', 'parties.0.email', 'parties.0.phone'])
		);
	});

	it('refuses a name that is only spaces', () => {
		expect(
			issuesOf({ ...valid, parties: [{ role: 'victim', displayName: '   ' }, valid.parties[1]] })
		).toContainEqual(['parties.0.displayName', expect.any(String)]);
	});
});

describe('money', () => {
	it('rounds to whole cents without floating-point drift', () => {
		expect(zMoney.parse('0.29')).toBe(29);
		expect(zMoney.parse('19.99')).toBe(1999);
		expect(zMoney.parse('1000000')).toBe(100_000_000);
	});
});

describe('a meeting', () => {
	it('with one party is a preparation meeting and needs that party', () => {
		expect(
			MeetingInputSchema.safeParse({ kind: 'preparation', scheduledAt: '2030-01-01T10:00' }).error
				?.issues[0]
		).toMatchObject({ path: ['partyId'], message: 'error_prep_party' });
		expect(
			MeetingInputSchema.parse({ kind: 'joint', scheduledAt: '2030-01-01T10:00' })
		).toMatchObject({ durationMinutes: 90 });
	});
});
