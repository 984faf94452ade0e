/**
 * What a person entered in a form before the page was ready, kept through hydration.
 *
 * On a slow link a page is shown, and can be filled in, seconds before its script runs. When
 * it runs, Svelte hydrates the page and sets each bound control to the value the page was
 * rendered with: a `<select>` someone had already changed goes back to its first value, and
 * the form would then send what they did not choose. `keepEarlyInput` (from the client's
 * `init` hook, before hydration) notes every control changed until then; `restoreEarlyInput`
 * (once the page is hydrated) puts the person's values back and tells the page, as if they had
 * made them then.
 */

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

interface Entry {
	control: Control;
	/** What the person left: the value, or for a checkbox or radio button whether it is checked. */
	value: string | boolean;
}

let entries: Map<Control, Entry> | null = null;
let stopListening: (() => void) | null = null;

function isControl(target: EventTarget | null): target is Control {
	return (
		target instanceof HTMLInputElement ||
		target instanceof HTMLSelectElement ||
		target instanceof HTMLTextAreaElement
	);
}

const isToggle = (control: Control): control is HTMLInputElement =>
	control instanceof HTMLInputElement && (control.type === 'checkbox' || control.type === 'radio');

/** What the control shows now. */
function current(control: Control): string | boolean {
	return isToggle(control) ? control.checked : control.value;
}

/** What the control showed as the page was rendered. */
function rendered(control: Control): string | boolean {
	if (isToggle(control)) return control.defaultChecked;
	if (control instanceof HTMLSelectElement) {
		const options = [...control.options];
		const chosen = options.findLast((o) => o.defaultSelected) ?? options.find((o) => !o.disabled);
		return chosen?.value ?? '';
	}
	return control.defaultValue;
}

function note(control: Control): void {
	// A file cannot be chosen by a script, and a multiple select has more than one value.
	if (!entries || control.type === 'file' || control.type === 'select-multiple') return;
	entries.set(control, { control, value: current(control) });
}

/** Notes what was changed already, and goes on noting changes until `restoreEarlyInput`. */
export function keepEarlyInput(document: Document): void {
	entries = new Map();
	for (const form of document.forms)
		for (const element of form.elements)
			if (isControl(element) && current(element) !== rendered(element)) note(element);
	const listener = (event: Event) => {
		if (isControl(event.target)) note(event.target);
	};
	document.addEventListener('input', listener, true);
	document.addEventListener('change', listener, true);
	stopListening = () => {
		document.removeEventListener('input', listener, true);
		document.removeEventListener('change', listener, true);
	};
}

/**
 * Puts back what hydration undid and fires the events a person's change would, so that the
 * page's bindings hold it too. A control still in the page and showing what the person left is
 * not touched. Returns how many were put back.
 */
export function restoreEarlyInput(): number {
	stopListening?.();
	stopListening = null;
	const kept = entries;
	entries = null;
	let restored = 0;
	for (const { control, value } of kept?.values() ?? []) {
		if (!control.isConnected || current(control) === value) continue;
		if (isToggle(control)) control.checked = value as boolean;
		else control.value = value as string;
		control.dispatchEvent(new Event('input', { bubbles: true }));
		control.dispatchEvent(new Event('change', { bubbles: true }));
		restored += 1;
	}
	return restored;
}
