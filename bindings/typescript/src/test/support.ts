/**
 * Helpers shared by the tests: the golden vectors of protocol and the Go
 * float table of the bindings module, both read by relative path from the
 * compiled test files (dist/test/*.js).
 *
 * @module
 */

import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const VECTOR_DIR = fileURLToPath(new URL("../../../../protocol/testdata/vectors/", import.meta.url));
const FLOAT_TABLE = fileURLToPath(new URL("../../../testdata/floats.json", import.meta.url));

/** A "bytes" field of a vector: a string, or an expansion object. */
export type VectorBytes = string | { prefix: string; fill: string; count: number; suffix: string; length: number };

/** One golden vector (see protocol/testdata/vectors/README.md). */
export interface Vector {
  name: string;
  description: string;
  valid: boolean;
  reason?: string;
  field?: string;
  input: VectorBytes;
  canonical?: VectorBytes;
  message?: {
    version: string;
    id: string;
    source: string;
    type: string;
    timestamp_ns: string;
    payload?: unknown;
    checksum: number;
  };
  file: string;
}

/** The bytes a vector field stands for. */
export function expand(b: VectorBytes): Uint8Array {
  if (typeof b === "string") return bytes(b);
  const out = bytes(b.prefix + b.fill.repeat(b.count) + b.suffix);
  if (out.length !== b.length) throw new Error(`expansion is ${out.length} bytes, want ${b.length}`);
  return out;
}

/** Every golden vector, sorted by file name. */
export function vectors(): Vector[] {
  return readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({ ...(JSON.parse(readFileSync(VECTOR_DIR + f, "utf8")) as Omit<Vector, "file">), file: f }));
}

/** One entry of bindings/testdata/floats.json: IEEE 754 bits and Go's text for them. */
export interface FloatEntry {
  bits: 32 | 64;
  hex: string;
  go: string;
}

export function floatTable(): FloatEntry[] {
  return JSON.parse(readFileSync(FLOAT_TABLE, "utf8")) as FloatEntry[];
}

/** The value of a float table entry. */
export function floatValue(e: FloatEntry): number {
  const b = Buffer.from(e.hex, "hex");
  return e.bits === 64 ? b.readDoubleBE(0) : b.readFloatBE(0);
}

/** The UTF-8 bytes of s, as a plain Uint8Array. */
export function bytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "utf8"));
}

/** b as a plain Uint8Array (not a Buffer), for deepEqual. */
export function u8(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/** The text of UTF-8 bytes. */
export function text(b: Uint8Array): string {
  return Buffer.from(b).toString("utf8");
}

/** A deadline signal for waits that should end at once; reaching it fails the test. */
export function deadline(ms = 10_000): AbortSignal {
  return AbortSignal.timeout(ms);
}
