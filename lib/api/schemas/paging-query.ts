import { z } from 'zod';

/**
 * A positive integer query parameter, `fallback` when absent or empty. Read as JavaScript's
 * `Number` reads it; documented as the integer it stands for, as OpenAPI describes query values.
 */
export function queryInt(fallback: number, max: number): z.ZodType<number, string | undefined> {
  return z
    .string()
    .optional()
    .transform((raw, ctx): number => {
      if (raw === undefined || raw === '') return fallback;
      const value = Number(raw);
      if (Number.isInteger(value) && value >= 1 && value <= max) return value;
      ctx.issues.push({ code: 'custom', input: raw, message: `expected an integer from 1 to ${max}, got "${raw}"` });
      return z.NEVER;
    })
    .meta({ type: 'integer', minimum: 1, maximum: max, description: `Default ${fallback}.` });
}

/** Pages are numbered from 1. */
const MAX_PAGE = 100_000;
const MAX_PAGE_SIZE = 1000;

/** Kestra's paging parameters: `page` from 1, `size` results per page (`defaultSize` when absent). */
export function pagingFields(defaultSize: number): { page: z.ZodType<number, string | undefined>; size: z.ZodType<number, string | undefined> } {
  return { page: queryInt(1, MAX_PAGE), size: queryInt(defaultSize, MAX_PAGE_SIZE) };
}

/** `page` and `size`, parsed. */
export interface Paging {
  page: number;
  size: number;
}

/** The page of `items` that `paging` selects. */
export function pageOf<T>(items: T[], { page, size }: Paging): T[] {
  return items.slice((page - 1) * size, page * size);
}
