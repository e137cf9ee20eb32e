import { describe, expect, it } from 'vitest';
import { handleRequest } from '../../../lib/api/router';
import { inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';

const get = (path: string) => handleRequest(inMemoryDependencies(), { method: 'GET', path, query: new URLSearchParams(), headers: {} });

describe('handleRequest', () => {
  describe('path parameters', () => {
    it('decodes percent-encoded segments', async () => {
      const response = await get('/api/v1/executions/an%20id');

      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body)).toEqual({ message: 'Execution an id not found' });
    });

    it('answers a malformed escape with a 400 naming the parameter, not a crash', async () => {
      const response = await get('/api/v1/executions/%E0');

      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toEqual({ message: 'id: "%E0" is not a valid percent-encoded path segment', path: 'id' });
    });
  });
});
