import type { GateGap } from '../cases/readiness-gate.ts';
import * as m from '../paraglide/messages.js';

/** What is missing before a joint session, in words, one gap after the other. */
export function gapText(gap: GateGap): string {
	switch (gap.kind) {
		case 'no_victim':
			return m.gate_gap_no_victim();
		case 'no_offender':
			return m.gate_gap_no_offender();
		case 'withdrawn':
			return m.gate_gap_withdrawn({ name: gap.name });
		case 'not_screened':
			return m.gate_gap_not_screened({ name: gap.name });
		case 'not_suitable':
			return m.gate_gap_not_suitable({ name: gap.name });
		case 'no_consent':
			return m.gate_gap_no_consent({ name: gap.name });
		case 'not_prepared':
			return m.gate_gap_not_prepared({ name: gap.name });
	}
}

export const describeGaps = (gaps: readonly GateGap[]): string => gaps.map(gapText).join('; ');
