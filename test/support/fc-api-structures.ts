/**
 * Checks configuration objects against FC 3.0's API structures as the official SDK
 * declares them (test/conformance/fc3/fc-2023-03-30-trigger-structures.json): every key
 * must be a field of its structure, spelled and cased as on the wire, with a value of the
 * field's type, one of the documented values and inside the documented range.
 *
 * The fc3 component passes `triggerConfig` to CreateTrigger as JSON text unchanged
 * (devsapp/fc3 src/resources/fc/index.ts at 4ca1c1b: `JSON.stringify(config.triggerConfig)`),
 * and its schema types `runOptions` as any object, so nothing between s.yaml and FC
 * catches a misspelt or invented field; this check does.
 */
import { readFileSync } from 'node:fs';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A structure: wire field name -> type ('string', 'number', 'boolean', 'string[]' or a structure name). */
export type Structure = Record<string, string>;

export interface FcApiStructures {
  source: Record<string, string>;
  /** null: a structure the project does not use, so not copied. */
  structures: Record<string, Structure | null>;
  values: Record<string, string[]>;
  ranges: Record<string, { min: number; max: number; from: string }>;
}

/** The fixture, as committed. */
export function loadFcApiStructures(): FcApiStructures {
  const path = new URL('../conformance/fc3/fc-2023-03-30-trigger-structures.json', import.meta.url);
  return JSON.parse(readFileSync(path, 'utf8')) as FcApiStructures;
}

const PRIMITIVES = new Set(['string', 'number', 'boolean', 'string[]']);

function typeErrors(value: Json, type: string, path: string): string[] {
  switch (type) {
    case 'string':
    case 'number':
    case 'boolean':
      return typeof value === type ? [] : [`${path} is ${JSON.stringify(value)}, not a ${type}`];
    case 'string[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? [] : [`${path} is not a list of strings`];
    default:
      return [`${path}: unknown type ${type}`];
  }
}

/**
 * Every way `value` departs from structure `name`, as readable lines; [] when it conforms.
 * Fields whose type text starts with a primitive and goes on (`string (JSON of …)`) are
 * checked as that primitive only when `value` is not an object (the fc3 component
 * accepts the object and stringifies it).
 *
 * @example structureErrors(api, { mode: 'event-streaming', retry: {} }, 'RunOptions')
 * // => ['RunOptions.retry is not a field of RunOptions (fields: batchWindow, …)']
 */
export function structureErrors(api: FcApiStructures, value: Json, name: string, path: string = name): string[] {
  const structure = api.structures[name];
  if (structure === undefined) return [`${path}: structure ${name} is not in the fixture`];
  if (structure === null) return [`${path}: structure ${name} was not copied into the fixture; copy it before using it`];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path} is not an object`];
  const errors: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const fieldPath = `${path}.${key}`;
    const type = structure[key];
    if (type === undefined) {
      errors.push(`${fieldPath} is not a field of ${name} (fields: ${Object.keys(structure).join(', ')})`);
      continue;
    }
    const primitive = type.split(' ')[0]!;
    if (PRIMITIVES.has(primitive)) {
      if (primitive !== type && item !== null && typeof item === 'object') continue;
      errors.push(...typeErrors(item, primitive, fieldPath));
      const allowed = api.values[`${name}.${key}`];
      if (allowed && !allowed.includes(item as string)) errors.push(`${fieldPath} is ${JSON.stringify(item)}, not one of ${allowed.join(', ')}`);
      const range = api.ranges[`${name}.${key}`];
      if (range && typeof item === 'number' && (item < range.min || item > range.max)) {
        errors.push(`${fieldPath} is ${item}, outside ${range.min}-${range.max} (${range.from})`);
      }
    } else {
      errors.push(...structureErrors(api, item, type, fieldPath));
    }
  }
  return errors;
}
