import type { Cluster, Redis } from 'ioredis';
import type { StoredSession } from '../store/stored-session.interface';
import type { RedisSessionKeys } from './redis-keys';
import { RedisScript } from './redis-script';
import { FIELD, toStoredSession } from './redis-session-fields';
import { GET_SESSION } from './redis-scripts';

/** A session's hash, as HGETALL gives it, with its handle. */
interface FoundSession {
  handle: string;
  hash: Record<string, string>;
}

/**
 * Reads a session by ID hash: the pointer and the hash it names in one script on a standalone
 * server, in two steps on a cluster (they lie in different slots there).
 */
export class RedisSessionReader {
  private readonly getScript = new RedisScript(GET_SESSION, 1);
  private readonly lookupPrefix: string;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly keys: RedisSessionKeys,
  ) {
    // The lookup script names the session's key itself, so ioredis's keyPrefix (put before declared keys only) goes first.
    this.lookupPrefix = `${(this.client as Redis).options.keyPrefix ?? ''}${this.keys.prefix}`;
  }

  async get(idHash: string): Promise<StoredSession | null> {
    const found = this.client.isCluster ? await this.lookUpInTwoSteps(idHash) : await this.lookUp(idHash);
    if (!found || !findsSession(found.hash, idHash, Date.now())) {
      return null;
    }
    const session = toStoredSession(found.handle, found.hash);
    return found.hash[FIELD.idHash] === idHash
      ? session
      : { ...session, previousIdUntil: Number(found.hash[FIELD.previousUntil]) };
  }

  private async lookUp(idHash: string): Promise<FoundSession | null> {
    const reply = await this.getScript.run(this.client, [this.keys.pointer(idHash)], [this.lookupPrefix]);
    if (!Array.isArray(reply)) {
      return null;
    }
    const [handle, ...fields] = reply.map(String);
    const hash: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) {
      hash[fields[i]] = fields[i + 1];
    }
    return { handle, hash };
  }

  private async lookUpInTwoSteps(idHash: string): Promise<FoundSession | null> {
    const handle = await this.client.get(this.keys.pointer(idHash));
    return handle === null ? null : { handle, hash: await this.client.hgetall(this.keys.session(handle)) };
  }
}

/** Whether the hash is the session that `idHash` names: its current ID, or the one a renewal replaced, for a while. */
function findsSession(hash: Record<string, string>, idHash: string, now: number): boolean {
  return (
    hash[FIELD.idHash] === idHash || (hash[FIELD.previousIdHash] === idHash && Number(hash[FIELD.previousUntil]) > now)
  );
}
