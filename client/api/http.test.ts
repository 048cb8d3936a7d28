import { describe, expect, it } from 'vitest';
import { ApiError, errorWithIssues } from './http.ts';

describe('errorWithIssues', () => {
  it('says a reason once when the message already holds it', () => {
    const error = new ApiError(400, 'the flow is not valid: nodes[0].position: expected object', [{ path: 'nodes[0].position', message: 'nodes[0].position: expected object' }]);
    expect(errorWithIssues(error)).toBe('the flow is not valid: nodes[0].position: expected object');
  });

  it('adds the issues the message does not say, at most three', () => {
    const issues = ['a is missing', 'b is missing', 'c is missing', 'd is missing'].map((message) => ({ message }));
    expect(errorWithIssues(new ApiError(400, 'run inputs are not valid', issues))).toBe('run inputs are not valid: a is missing; b is missing; c is missing');
  });
});
