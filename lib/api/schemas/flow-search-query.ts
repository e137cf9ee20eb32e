import { z } from 'zod';
import { MAX_LENGTH } from '../../domain/id-limits';
import { optionalName } from './names';
import { pagingFields } from './paging-query';

/** `GET /flows/search`. */
export const flowSearchQuery = z.object({
  namespace: optionalName('namespace', MAX_LENGTH.namespace).meta({ description: 'This namespace and the ones below it.' }),
  ...pagingFields(10),
});
