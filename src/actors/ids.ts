import { webcrypto } from "node:crypto";
import { urlAlphabet } from "nanoid";

/** Characters of an id: nanoid's default, 126 random bits over its URL-safe alphabet of 64. */
export const ID_LENGTH = 21;
/** Ids cut from one fill of the random pool. */
const IDS_PER_POOL = 512;
const ALPHABET_CODES = Buffer.from(urlAlphabet, "latin1");

if (ALPHABET_CODES.length !== 64) {
  throw new Error("an id character takes 6 random bits, so the alphabet has 64 characters");
}

const pool = Buffer.alloc(ID_LENGTH * IDS_PER_POOL);
let poolOffset = pool.length;

/**
 * A fresh unguessable id (for reservations, payments, ledger lines and token secrets): what nanoid makes,
 * made differently. nanoid appends its characters one at a time, which leaves a rope of strings that V8
 * flattens into a copy the first time the id is hashed or encoded, and the engine keeps and hashes every
 * reservation id: with nanoid ids, the domain's decide + evolve of a hold cost 2.8 µs more
 * (`npm run bench:engine`). These ids are cut out of a pool of random alphabet characters, each with one
 * allocation, already flat. The random bytes come from the same source as nanoid's.
 */
export function newId(): string {
  refillIfShort();
  const id = pool.toString("latin1", poolOffset, poolOffset + ID_LENGTH);
  poolOffset += ID_LENGTH;
  return id;
}

/** Characters a tag before the random part may have: those of an entity id. */
const TAG_PATTERN = /^[A-Za-z0-9_-]{1,16}$/;

/**
 * An id source whose ids are `tag` followed by a fresh id (`newId`): a cluster's shard tags every id it
 * mints with its own name (`s1-…`, see src/cluster/ownership.ts), so the id says which shard owns it.
 * Each id is still one flat string of one allocation: the tag and the random characters are copied
 * into one buffer and decoded once.
 */
export function taggedIdSource(tag: string): () => string {
  if (!TAG_PATTERN.test(tag)) {
    throw new Error(`an id tag is 1..16 of A-Z a-z 0-9 _ -, got ${JSON.stringify(tag)}`);
  }
  const scratch = Buffer.alloc(tag.length + ID_LENGTH);
  scratch.write(tag, 0, "latin1");
  return () => {
    refillIfShort();
    pool.copy(scratch, tag.length, poolOffset, poolOffset + ID_LENGTH);
    poolOffset += ID_LENGTH;
    return scratch.toString("latin1");
  };
}

function refillIfShort(): void {
  if (poolOffset + ID_LENGTH > pool.length) {
    webcrypto.getRandomValues(pool);
    for (let i = 0; i < pool.length; i += 1) {
      pool[i] = ALPHABET_CODES[(pool[i] as number) & 63] as number;
    }
    poolOffset = 0;
  }
}
