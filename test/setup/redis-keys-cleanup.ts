import { e2eRedisPrefix } from '../utils/e2e-store';
import { connectE2eRedis, deleteKeysUnder } from '../utils/redis-keyspace';

// setupFilesAfterEnv of the Redis projects: whatever a file stored under its prefix is deleted
// once it has run, so the shared Redis is left as it was found. (Registered before the file's own
// root hooks, this runs before them; the apps it starts are closed in nested describes.)
afterAll(async () => {
  const client = await connectE2eRedis();
  try {
    await deleteKeysUnder(client, e2eRedisPrefix);
  } finally {
    await client.quit();
  }
});
