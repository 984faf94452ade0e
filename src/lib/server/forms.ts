const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Turns form fields named with dotted paths (`parties.1.email`) into nested objects and arrays,
 * so that one schema validates a whole form. Empty text fields become `undefined`.
 */
export function formToObject(form: FormData): Record<string, unknown> {
	const root: Record<string, unknown> = {};
	for (const [name, raw] of form.entries()) {
		if (typeof raw !== 'string') continue;
		const keys = name.split('.');
		if (keys.some((key) => UNSAFE_KEYS.has(key) || key === '')) continue;
		let node: Record<string, unknown> = root;
		for (const [i, key] of keys.slice(0, -1).entries()) {
			node[key] ??= /^\d+$/.test(keys[i + 1]) ? [] : {};
			node = node[key] as Record<string, unknown>;
		}
		node[keys[keys.length - 1]] = raw === '' ? undefined : raw;
	}
	return root;
}
