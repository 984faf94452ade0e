import * as m from '../paraglide/messages.js';

/** A time that has passed, in whole minutes: "12 min", and from an hour on "1 h 05 min". */
export function elapsedText(ms: number): string {
	const minutes = Math.max(0, Math.floor(ms / 60_000));
	if (minutes < 60) return m.duration_minutes({ minutes });
	return m.duration_hours_minutes({
		hours: Math.floor(minutes / 60),
		minutes: String(minutes % 60).padStart(2, '0')
	});
}
