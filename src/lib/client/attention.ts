import type { MediatorView } from '../protocol/session-view.ts';

/**
 * What waits for the mediator in a live session: notices not yet acknowledged (a break, a
 * return, a withdrawal) and people here, waiting to be let in. Shown in the tab's title, so
 * that a mediator reading the case file in another tab sees it.
 */
export function attentionCount(view: MediatorView | null): number {
	if (view?.status !== 'live') return 0;
	const waiting = view.participants.filter(
		(p) =>
			p.role !== 'mediator' && p.status === 'active' && p.present && p.location.kind === 'waiting'
	);
	return view.notices.length + waiting.length;
}
