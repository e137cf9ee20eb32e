import { ValidationError } from '../domain/flow/errors';
import type { HttpRequest } from './http';

/** A positive integer query parameter (`page`, `size`), with a clear 400 when it is not one. */
export function intParam(request: HttpRequest, name: string, fallback: number, max: number): number {
  const raw = request.query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ValidationError(name, `expected an integer from 1 to ${max}, got "${raw}"`);
  }
  return value;
}

/** Kestra's paging: `page` from 1, `size` per page; the page of `items` they select. */
export function paged<T>(request: HttpRequest, items: T[], defaultSize: number): T[] {
  const page = intParam(request, 'page', 1, 100_000);
  const size = intParam(request, 'size', defaultSize, 1000);
  return items.slice((page - 1) * size, page * size);
}

/** All values of a repeatable parameter; comma-separated values are split too (`state=SUCCESS,FAILED`). */
export function listParam(request: HttpRequest, name: string): string[] {
  return request.query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Parses the JSON body; a body that is not JSON is a 400 naming `body`. */
export function jsonBody(request: HttpRequest): unknown {
  if (!request.body || request.body.trim() === '') throw new ValidationError('body', 'expected a JSON object, got an empty body');
  try {
    return JSON.parse(request.body);
  } catch (e) {
    throw new ValidationError('body', `not valid JSON: ${(e as Error).message}`);
  }
}
