import { describe, expect, it } from 'vitest';
import { jsonDepthWithin, MAX_JSON_DEPTH } from './json.ts';

describe('jsonDepthWithin', () => {
	it('counts arrays and objects, not brackets inside strings', () => {
		expect(jsonDepthWithin('{"a":[1,{"b":2}]}', 3)).toBe(true);
		expect(jsonDepthWithin('{"a":[1,{"b":2}]}', 2)).toBe(false);
		expect(jsonDepthWithin('{"a":"[[[[[[[[[[\\"[[[["}', 1)).toBe(true);
	});

	it(`refuses a body nested deeper than ${MAX_JSON_DEPTH}, however short`, () => {
		expect(jsonDepthWithin('['.repeat(128 * 1024), MAX_JSON_DEPTH)).toBe(false);
	});
});
