import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { StaffRole } from '#lib/protocol/roles.ts';
import { programs } from '#lib/server/db/schema.ts';
import type { Deps } from '#lib/server/deps.ts';
import { createStaffAccount } from '#lib/server/staff/create-staff-account.ts';
import { HttpClient } from './http.ts';

/** Programs have no sign-up page: an operator creates them (see `npm run program:create`). */
export async function createProgram(
	deps: Deps,
	values: { slug?: string; name?: string; timeZone?: string } = {}
) {
	const slug = values.slug ?? `p-${randomBytes(4).toString('hex')}`;
	const [program] = await deps.db
		.insert(programs)
		.values({
			slug,
			name: values.name ?? `Program ${slug}`,
			timeZone: values.timeZone ?? 'America/Chicago',
			currency: 'USD',
			contactEmail: `office@${slug}.example`,
			contactPhone: '+1 555 0100'
		})
		.returning();
	return program;
}

export interface StaffLogin {
	userId: string;
	name: string;
	email: string;
	password: string;
}

export async function addStaff(
	deps: Deps,
	programId: string,
	role: StaffRole,
	name = `${role} ${randomBytes(3).toString('hex')}`
): Promise<StaffLogin> {
	const email = `${name.replace(/\W+/g, '.').toLowerCase()}.${randomBytes(3).toString('hex')}@staff.example`;
	const password = `pw-${randomBytes(8).toString('hex')}`;
	const { userId } = await createStaffAccount(deps.db, { programId, name, email, role, password });
	return { userId, name, email, password };
}

/** Signs in through the real sign-in form; the client then carries the session cookie. */
export async function signIn(baseUrl: string, login: StaffLogin): Promise<HttpClient> {
	const client = new HttpClient(baseUrl);
	const result = await client.action('/login?/signIn', {
		email: login.email,
		password: login.password
	});
	expect(result).toMatchObject({ type: 'redirect' });
	return client;
}

/** A valid referral form: a victim with contact details and a juvenile offender with a guardian. */
export function referralFields(overrides: Record<string, string | boolean | undefined> = {}) {
	return {
		referralSource: 'probation',
		referralStage: 'diversion',
		offenseCategory: 'property',
		description: 'Window broken, phone taken from the car.',
		offenderIsJuvenile: true,
		lossesClaimed: '450.00',
		'parties.0.role': 'victim',
		'parties.0.displayName': 'Vera Victim',
		'parties.0.email': 'vera@home.example',
		'parties.0.phone': '+1 555 0199',
		'parties.0.address': '1 Secret Street, Hometown',
		'parties.1.role': 'offender',
		'parties.1.displayName': 'Otto Offender',
		'parties.1.phone': '+1 555 0111',
		'parties.2.role': 'guardian',
		'parties.2.displayName': 'Gail Guardian',
		'parties.2.accompanies': '1',
		...overrides
	};
}

/** Takes a referral through the form; returns the new case's id. */
export async function createCase(
	client: HttpClient,
	programSlug: string,
	fields = referralFields()
): Promise<string> {
	const result = await client.action(`/staff/${programSlug}/cases/new`, fields);
	expect(result).toMatchObject({ type: 'redirect' });
	const location = (result as { location: string }).location;
	return location.split('/').pop() as string;
}

/** A datetime-local value `days` from now. */
export function daysFromNow(days: number): string {
	const date = new Date(Date.now() + days * 24 * 60 * 60_000);
	return date.toISOString().slice(0, 11) + '15:00';
}
