import type { Response } from 'supertest';

/**
 * For supertest's `.expect(fn)`: the body is the contract's error shape, `{"error": "<message>"}`.
 * (supertest compares bodies with deepStrictEqual, which ignores jest's asymmetric matchers.)
 */
export function errorBody(response: Response): void {
  expect(response.body).toEqual({ error: expect.stringMatching(/\S/) });
}
