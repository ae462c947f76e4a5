import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { haproxyConfig } from "../../src/cluster/haproxy-config.ts";
import {
  shardOfKey,
  shardTag,
  walletBucketOf,
  walletShardOf,
  WALLET_BUCKETS,
} from "../../src/cluster/ownership.ts";
import { mergeRanked } from "../../src/cluster/shard-routes.ts";
import { REPO_ROOT } from "../../support/child-process.ts";
import { tempDir } from "../../support/temp-dir.ts";

describe("ownership", () => {
  it("reads the shard back from every tagged id, and none from an untagged one", () => {
    for (let shard = 0; shard < 64; shard += 1) {
      expect(shardOfKey(`${shardTag(shard)}abc`)).toBe(shard);
      expect(shardOfKey(`${shardTag(shard)}abc.0.${shardTag(shard)}secret`)).toBe(shard);
    }
    expect(shardOfKey("V1StGXR8_Z5jdHi6B-myT")).toBeUndefined();
    expect(shardOfKey("s01-abc")).toBeUndefined();
    expect(shardOfKey("s64-abc")).toBeUndefined();
  });

  it("hashes user ids into buckets with CRC-32, as HAProxy's crc32 converter does", () => {
    // CRC-32 (IEEE) of "123456789" is the standard check value 0xCBF43926.
    expect(walletBucketOf("123456789")).toBe(0xcbf43926 % WALLET_BUCKETS);
    expect(walletShardOf("123456789", 3)).toBe((0xcbf43926 % WALLET_BUCKETS) % 3);
  });

  it("merges per-shard lists keeping each one's order, the lower shard first on a tie", () => {
    const merged = mergeRanked([
      [
        { rank: 1, item: "a1" },
        { rank: 5, item: "a5" },
      ],
      [
        { rank: 1, item: "b1" },
        { rank: 3, item: "b3" },
      ],
      [],
    ]);
    expect(merged).toEqual(["a1", "b1", "b3", "a5"]);
  });
});

describe("the HAProxy configuration", () => {
  it.each([true, false])("is valid for haproxy -c (token requests routed by body: %s)", (routeTokenBody) => {
    const dir = tempDir("haproxy-config");
    try {
      const file = join(dir, "haproxy.cfg");
      writeFileSync(
        file,
        haproxyConfig({
          bindHost: "127.0.0.1",
          bindPort: 3000,
          shards: [
            { host: "127.0.0.1", port: 3001 },
            { host: "127.0.0.1", port: 3002 },
          ],
          routeTokenBody,
        }),
      );
      const checked = spawnSync("haproxy", ["-c", "-f", file], { encoding: "utf8" });
      expect(checked.status, checked.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is what ops/haproxy.cfg, the example for three hosts, says", () => {
    const example = readFileSync(join(REPO_ROOT, "ops", "haproxy.cfg"), "utf8");
    const generated = haproxyConfig({
      bindHost: "0.0.0.0",
      bindPort: 80,
      threads: 4,
      shards: ["10.0.0.11", "10.0.0.12", "10.0.0.13"].map((host) => ({ host, port: 3000 })),
    });
    // The example's own header comment comes first; the rest must be the generated text itself.
    expect(example.slice(example.indexOf(generated.split("\n")[0] ?? ""))).toBe(generated);
  });
});
