/**
 * An NGSI-LD entity as roadpulse builds it before choosing a representation: each attribute knows
 * whether it is a Property, GeoProperty or Relationship (ETSI GS CIM 009 clause 4.5).
 */
export interface NgsiAttribute {
  kind: 'Property' | 'GeoProperty' | 'Relationship';
  /** The value; for a Relationship, the URI of the object. */
  value: unknown;
  observedAt?: string;
  /** UN/CEFACT common code, e.g. KMH. */
  unitCode?: string;
}

export interface NgsiEntity {
  id: string;
  type: string;
  attrs: Record<string, NgsiAttribute>;
}

export type EntityJson = Record<string, unknown>;

/** keyValues, also `format=simplified` (clause 4.5.4): attribute name → value (or object URI). */
export function toKeyValues(entity: NgsiEntity): EntityJson {
  const out: EntityJson = { id: entity.id, type: entity.type };
  for (const [name, attr] of Object.entries(entity.attrs)) out[name] = attr.value;
  return out;
}

/** Normalized (clause 4.5.2): each attribute an object with its type, value/object and sub-attributes. */
export function toNormalized(entity: NgsiEntity): EntityJson {
  const out: EntityJson = { id: entity.id, type: entity.type };
  for (const [name, attr] of Object.entries(entity.attrs)) {
    const member: EntityJson = attr.kind === 'Relationship' ? { type: 'Relationship', object: attr.value } : { type: attr.kind, value: attr.value };
    if (attr.observedAt !== undefined) member.observedAt = attr.observedAt;
    if (attr.unitCode !== undefined) member.unitCode = attr.unitCode;
    out[name] = member;
  }
  return out;
}

/** Keeps only the named attributes (the `attrs` parameter). */
export function pickAttrs(entity: NgsiEntity, attrs: ReadonlySet<string>): NgsiEntity {
  return { ...entity, attrs: Object.fromEntries(Object.entries(entity.attrs).filter(([name]) => attrs.has(name))) };
}

/** ISO 8601 UTC without milliseconds when they are 0: "2026-12-04T19:30:00Z". */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
