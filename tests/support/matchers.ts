import { expect } from "vitest";

/**
 * Vitest's asymmetric matchers are typed `any`; these answer `unknown`, so the object literals that use
 * them in `toEqual` stay type-checked.
 */

export function anyString(): unknown {
  return expect.any(String) as unknown;
}

export function anyNumber(): unknown {
  return expect.any(Number) as unknown;
}

export function matching(pattern: RegExp): unknown {
  return expect.stringMatching(pattern) as unknown;
}

export function containingItems(items: readonly unknown[]): unknown {
  return expect.arrayContaining(items as unknown[]) as unknown;
}

export function containingFields(fields: Record<string, unknown>): unknown {
  return expect.objectContaining(fields) as unknown;
}
