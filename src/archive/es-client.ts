import { Client } from '@elastic/elasticsearch';

/** Elasticsearch 8 client. Health uses _cluster/health: the core build has no `GET /`. */
export function createElasticsearch(url: string): Client {
  return new Client({ node: url, requestTimeout: 30_000, maxRetries: 2 });
}

export async function elasticsearchHealthy(client: Client): Promise<void> {
  const health = await client.cluster.health({ timeout: '2s' }, { requestTimeout: 3000, maxRetries: 0 });
  if (health.status === 'red') throw new Error('cluster status is red');
}
