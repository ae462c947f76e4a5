/**
 * Who owns a key in a cluster: the one module the shards, the router's configuration
 * (`haproxy-config.ts`) and the tests all use, so that they cannot disagree.
 *
 * - A concert and everything minted with it (schedules, reservations, queue tokens, payments) belong to
 *   the shard that created it, and every such id starts with that shard's tag, `s<i>-`. A queue token
 *   starts with its concert's id, so it names its shard too.
 * - A user's wallet belongs to the shard of its bucket: CRC-32 (IEEE, as zlib and HAProxy's `crc32`
 *   converter compute it) of the user id, modulo `WALLET_BUCKETS`, then the bucket modulo the number of
 *   shards. HAProxy computes the same with `crc32,mod(1024),mod(<shards>)`.
 */
import { crc32 } from "node:zlib";

/** Shards a cluster may have. */
export const SHARDS_MAX = 64;
/** Fixed buckets of wallets; each bucket is mapped to one shard (bucket mod shards). */
export const WALLET_BUCKETS = 1024;

if (WALLET_BUCKETS < SHARDS_MAX) {
  throw new Error("every shard owns at least one bucket of wallets");
}

/** The tag that starts every id minted by shard `index`. */
export function shardTag(index: number): string {
  return `s${index}-`;
}

const TAGGED = /^s(0|[1-9][0-9]?)-/;

/**
 * The shard named by the tag at the start of `key` (an entity id or a queue token), or undefined for an
 * untagged key (a single node's ids). It proves nothing about the key; the shard still looks it up.
 */
export function shardOfKey(key: string): number | undefined {
  const match = TAGGED.exec(key);
  if (match === null) {
    return undefined;
  }
  const index = Number(match[1]);
  return index < SHARDS_MAX ? index : undefined;
}

/** The wallet bucket of a user: CRC-32 of the id's UTF-8 bytes, modulo `WALLET_BUCKETS`. */
export function walletBucketOf(userId: string): number {
  return crc32(userId) % WALLET_BUCKETS;
}

/** The shard of the wallet of `userId` in a cluster of `shards`. */
export function walletShardOf(userId: string, shards: number): number {
  return walletBucketOf(userId) % shards;
}
