import { ApiCluster } from './support/api-cluster.js';

const CLUSTER_START_MS = 120_000;

/** Three real API processes on one PostgreSQL database and one Redis, as operators run them. */
describe('a cluster of 3 replicas', () => {
  let cluster: ApiCluster;
  let token: string;

  beforeAll(async () => {
    cluster = await ApiCluster.start({ replicas: 3 });
    token = await cluster.adminToken();
  }, CLUSTER_START_MS);
  afterAll(() => cluster?.stop(), 30_000);

  it('serves a write acknowledged by one replica on the next read of every other replica', async () => {
    const [a, b, c] = cluster.replicas;
    const mentorOf = async (base: string) => ((await (await fetch(`${base}/mentors/7`)).json()) as { name: string }).name;
    for (const replica of [a, b, c]) await mentorOf(replica.base);
    for (let trial = 0; trial < 30; trial++) {
      const writer = cluster.replicas[trial % 3];
      const name = `Cluster trial ${trial}`;
      const response = await fetch(`${writer.base}/mentors/7`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ name }),
      });
      expect(response.status).toBe(200);
      const seen = await Promise.all(cluster.replicas.map((replica) => mentorOf(replica.base)));
      expect(seen).toEqual([name, name, name]);
    }
  }, 60_000);
});
