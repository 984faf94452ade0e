/**
 * Per person, the Yjs clients they had an edit refused under (see LiveDocument.refused): at
 * most `perPerson` each, the oldest forgotten first. A browser's copy is one client, made
 * again after each refusal; client ids are not secret, so a person who names thousands of
 * them in one update must not grow this without end, nor push out another person's.
 */
export class RefusedClients {
	readonly #perPerson: number;
	readonly #byPerson = new Map<string, Set<number>>();

	constructor(perPerson: number) {
		this.#perPerson = perPerson;
	}

	has(person: string, client: number): boolean {
		return this.#byPerson.get(person)?.has(client) ?? false;
	}

	add(person: string, client: number): void {
		let clients = this.#byPerson.get(person);
		if (!clients) {
			clients = new Set();
			this.#byPerson.set(person, clients);
		}
		// The newest last: the oldest is the first in the set's order.
		clients.delete(client);
		clients.add(client);
		if (clients.size > this.#perPerson) clients.delete(clients.values().next().value!);
	}

	/** How many are remembered for a person. */
	count(person: string): number {
		return this.#byPerson.get(person)?.size ?? 0;
	}
}
