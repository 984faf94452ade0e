/**
 * A count that goes up every `intervalMs` while the component that made it is mounted: a
 * `$derived` that reads it is computed again on time (clocks, countdowns). Make it while a
 * component initialises; its timer stops with the component.
 */
export class Tick {
	#count = $state(0);

	constructor(intervalMs: number) {
		$effect(() => {
			const timer = setInterval(() => (this.#count += 1), intervalMs);
			return () => clearInterval(timer);
		});
	}

	get count(): number {
		return this.#count;
	}
}
