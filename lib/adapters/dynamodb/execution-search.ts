import { QueryCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Execution } from '../../domain/execution';
import type { ExecutionQuery } from '../../ports';
import { type Item, batchGet, eachPage, s, str } from './client';
import { documentOf, executionKey, labelKey } from './execution-item';
import { EXECUTIONS_BY_FLOW, EXECUTIONS_BY_NAMESPACE, flowKey } from './tables';

/**
 * The executions search: newest first. Walks the compact search index (keys, state, labels; no
 * documents), filtering there, counting every match and keeping the ids of the one page asked for;
 * then reads that page's documents by id. A page costs the same whatever the page number, and
 * never parses a document it does not return.
 */
export class ExecutionSearch {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  /** One page of the executions matching `query`, and how many match in all. */
  async search(query: ExecutionQuery): Promise<{ results: Execution[]; total: number }> {
    const names: Record<string, string> = { '#id': 'id' };
    const values: Item = {};
    const filters: string[] = [];
    if (query.states?.length) {
      names['#state'] = 'state';
      query.states.forEach((state, i) => {
        values[`:s${i}`] = s(state);
      });
      filters.push(`#state IN (${query.states.map((_, i) => `:s${i}`).join(', ')})`);
    }
    query.labels?.forEach((label, i) => {
      values[`:l${i}`] = s(labelKey(label));
      filters.push(`contains(labelKeys, :l${i})`);
    });
    const from = (query.page - 1) * query.size;
    const pageIds: string[] = [];
    let total = 0;

    if (query.namespace) {
      const byFlow = query.flowId !== undefined;
      if (byFlow) {
        values[':pk'] = s(flowKey(query.namespace, query.flowId!));
      } else {
        values[':pk'] = s(query.namespace);
        names['#ns'] = 'namespace';
      }
      await eachPage(
        (startKey) => {
          // Once the page is full only the count is left to take: COUNT reads the rest without returning it.
          const counting = pageIds.length >= query.size;
          return this.client.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: byFlow ? EXECUTIONS_BY_FLOW : EXECUTIONS_BY_NAMESPACE,
              KeyConditionExpression: byFlow ? 'flowKey = :pk' : '#ns = :pk',
              ScanIndexForward: false,
              FilterExpression: filters.length ? filters.join(' AND ') : undefined,
              ...(counting ? { Select: 'COUNT' as const } : { ProjectionExpression: '#id' }),
              ExpressionAttributeNames: counting ? withoutUnused(names, '#id') : names,
              ExpressionAttributeValues: values,
              ExclusiveStartKey: startKey,
            }),
          );
        },
        (page) => {
          if (!page.Items) {
            total += page.Count ?? 0; // a COUNT page
            return;
          }
          for (const item of page.Items) {
            if (total >= from && pageIds.length < query.size) pageIds.push(str(item, 'id') ?? '');
            total++;
          }
        },
      );
    } else {
      // No namespace: every partition of the namespace index, sorted here (a rare, admin-wide search).
      if (query.flowId !== undefined) {
        values[':flowId'] = s(query.flowId);
        filters.push('flowId = :flowId');
      }
      const matches: { sortKey: string; id: string }[] = [];
      await eachPage(
        (startKey) =>
          this.client.send(
            new ScanCommand({
              TableName: this.table,
              IndexName: EXECUTIONS_BY_NAMESPACE,
              ProjectionExpression: '#id, sortKey',
              FilterExpression: filters.length ? filters.join(' AND ') : undefined,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
              ExclusiveStartKey: startKey,
            }),
          ),
        (page) => {
          for (const item of page.Items ?? []) matches.push({ sortKey: str(item, 'sortKey') ?? '', id: str(item, 'id') ?? '' });
        },
      );
      matches.sort((a, b) => b.sortKey.localeCompare(a.sortKey));
      total = matches.length;
      pageIds.push(...matches.slice(from, from + query.size).map((m) => m.id));
    }

    // An execution re-created after a crash can leave a stale index entry beside its new one (dynalite
    // writes index entries and item apart): read each id once, as BatchGetItem refuses duplicate keys.
    const uniqueIds = [...new Set(pageIds)];
    const documents = await batchGet(this.client, this.table, uniqueIds.map(executionKey), {
      expression: '#id, doc',
      names: { '#id': 'id' },
    });
    const byId = new Map(documents.map((item) => [str(item, 'id'), documentOf(item)]));
    // An index entry can outlive its item for a moment (indexes are eventually consistent): skip it.
    const results = uniqueIds.map((id) => byId.get(id)).filter((x): x is Execution => x !== undefined);
    return { results, total };
  }
}

function withoutUnused(names: Record<string, string>, unused: string): Record<string, string> | undefined {
  const { [unused]: _, ...rest } = names;
  return Object.keys(rest).length ? rest : undefined;
}
