import { FLOAT32_OPTIONS, Packr } from "msgpackr";
import type { CommitBatch, SnapshotRow } from "./database.ts";

/**
 * How a batch travels to the writer thread: its rows packed into one ArrayBuffer that is transferred,
 * not copied, and the snapshot payload (which can be tens of megabytes) in a second transferred
 * buffer. Structured cloning the columns instead would copy every payload's whole backing buffer.
 */
export interface WireBatch {
  readonly rows: ArrayBuffer;
  readonly snapshot:
    { readonly seq: number; readonly createdAtMs: number; readonly payload: ArrayBuffer } | undefined;
}

// A private wire format between two threads of one process: plain msgpack arrays, nothing stored.
const wirePackr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  structuredClone: false,
  int64AsType: "number",
  useFloat32: FLOAT32_OPTIONS.NEVER,
  sequential: false,
  maxSharedStructures: 0,
  bundleStrings: false,
  // The payloads are read as views into the transferred buffer, which lives until the commit.
  copyBuffers: false,
  encodeUndefinedAsNil: false,
  variableMapSize: false,
  useToJSON: false,
});

/** Packs a batch for `postMessage`; the returned buffers are the ones to list as transferable. */
export function toWire(batch: CommitBatch): { wire: WireBatch; transfer: ArrayBuffer[] } {
  const packed = wirePackr.pack([
    batch.firstSeq,
    batch.streams,
    batch.types,
    batch.recordedAtMs,
    batch.payloads,
  ]);
  // msgpackr packs into a buffer it keeps reusing, so the bytes are copied into one of our own.
  const rows = ownBuffer(packed);
  const transfer = [rows];
  let snapshot: WireBatch["snapshot"];
  if (batch.snapshot !== undefined) {
    const payload = transferable(batch.snapshot.payload);
    transfer.push(payload);
    snapshot = { seq: batch.snapshot.seq, createdAtMs: batch.snapshot.createdAtMs, payload };
  }
  return { wire: { rows, snapshot }, transfer };
}

/** Unpacks what `toWire` packed, on the writer thread. The payloads are views into `wire.rows`. */
export function fromWire(wire: WireBatch): CommitBatch {
  // A Buffer view (no copy) lets msgpackr use Node's fast string decoding.
  const [firstSeq, streams, types, recordedAtMs, payloads] = wirePackr.unpack(Buffer.from(wire.rows)) as [
    number,
    string[],
    string[],
    number[],
    Uint8Array[],
  ];
  let snapshot: SnapshotRow | undefined;
  if (wire.snapshot !== undefined) {
    snapshot = {
      seq: wire.snapshot.seq,
      createdAtMs: wire.snapshot.createdAtMs,
      payload: new Uint8Array(wire.snapshot.payload),
    };
  }
  return { firstSeq, streams, types, recordedAtMs, payloads, snapshot };
}

/** Copies `bytes` into an ArrayBuffer of exactly their length, which can then be transferred. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/**
 * The buffer behind `bytes` when they fill it exactly (a snapshot is copied into such a buffer when it
 * is encoded), else a copy. Transferring detaches it, which is fine: a sent batch is never re-sent.
 */
function transferable(bytes: Uint8Array): ArrayBuffer {
  const buffer = bytes.buffer;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) {
    return buffer;
  }
  return ownBuffer(bytes);
}
