import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/** What axe-core found, in a form a failing test prints readably. */
interface Finding {
	rule: string;
	impact: string | null;
	help: string;
	nodes: string[];
}

/**
 * Checks the page as it is now with axe-core against WCAG 2.2 A and AA (labels, names,
 * contrast, landmarks, ARIA use): every violation is a failure, listed with its elements.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
	// Evaluated rather than added as a <script>: the page's policy runs no inline script.
	if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(`${axeSource};0`);
	const findings = await page.evaluate(async () => {
		const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;
		const result = await axe.run(document, {
			runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
			resultTypes: ['violations']
		});
		return result.violations.map((v) => ({
			rule: v.id,
			impact: v.impact ?? null,
			help: v.help,
			nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`)
		}));
	});
	expect(findings as Finding[], `accessibility of ${what}`).toEqual([]);
}
