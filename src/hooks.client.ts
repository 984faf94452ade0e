import type { ClientInit } from '@sveltejs/kit/hooks';
import { keepEarlyInput } from '#lib/client/early-input.ts';

/** Runs once, before the page is hydrated. */
export const init: ClientInit = () => {
	keepEarlyInput(document);
};
