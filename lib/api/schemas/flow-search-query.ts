import { z } from 'zod';
import { optionalText, pagingFields } from './paging-query';

/** `GET /flows/search`. */
export const flowSearchQuery = z.object({
  namespace: optionalText.meta({ description: 'This namespace and the ones below it.' }),
  ...pagingFields(10),
});
