// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface Locals {
			/** The signed-in staff member, if any (better-auth session). Parties never have one. */
			staff: {
				user: { id: string; name: string; email: string; twoFactorEnabled: boolean };
				sessionId: string;
			} | null;
		}
	}
}

export {};
