import { NgsiError } from './ngsi-errors.ts';
import { compileClientPattern } from './safe-pattern.ts';

/**
 * The NGSI-LD query language (`q`, ETSI GS CIM 009 clause 4.9) for the subset roadpulse honours:
 * comparisons `==`, `!=`, `>`, `>=`, `<`, `<=`, the pattern match `~=` and `!~=`, existence
 * (`attr`) and absence (`!attr`), value lists (`los=="E","F"`), ranges (`intensity==10..50`),
 * AND `;`, OR `|` and parentheses. Values: numbers, `true`/`false`, quoted strings, and unquoted
 * URIs and date-times. Attribute paths (`a.b`, `a[b]`) are not supported and are refused.
 * A Relationship compares by the URI of its object.
 */
export type Scalar = string | number | boolean;
type Op = '==' | '!=' | '>' | '>=' | '<' | '<=' | '~=' | '!~=';
type Value = { kind: 'list'; items: Scalar[] } | { kind: 'range'; min: Scalar; max: Scalar } | { kind: 'pattern'; re: RegExp };
export type QExpr =
  | { kind: 'and' | 'or'; terms: QExpr[] }
  | { kind: 'exists' | 'absent'; attr: string }
  | { kind: 'compare'; attr: string; op: Op; value: Value };

const MAX_Q_LENGTH = 2000;
const MAX_DEPTH = 10;
const OPS: Op[] = ['==', '!=', '>=', '<=', '!~=', '~=', '>', '<']; // longest first
const ATTR = /^[A-Za-z_][A-Za-z0-9_]*/;

const bad = (detail: string): NgsiError => new NgsiError('BadRequestData', 'Invalid query', `q: ${detail}`);

export function parseQ(q: string): QExpr {
  if (q.length > MAX_Q_LENGTH) throw new NgsiError('TooComplexQuery', 'Query too complex', `q is longer than ${MAX_Q_LENGTH} characters`);
  const p = new Parser(q);
  const expr = p.or(0);
  if (!p.done()) throw bad(`unexpected "${q.slice(p.pos, p.pos + 20)}" at position ${p.pos}`);
  return expr;
}

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.pos >= this.s.length;
  }

  or(depth: number): QExpr {
    const terms = [this.and(depth)];
    while (this.s[this.pos] === '|') {
      this.pos++;
      terms.push(this.and(depth));
    }
    return terms.length === 1 ? terms[0]! : { kind: 'or', terms };
  }

  and(depth: number): QExpr {
    const terms = [this.term(depth)];
    while (this.s[this.pos] === ';') {
      this.pos++;
      terms.push(this.term(depth));
    }
    return terms.length === 1 ? terms[0]! : { kind: 'and', terms };
  }

  term(depth: number): QExpr {
    if (depth > MAX_DEPTH) throw new NgsiError('TooComplexQuery', 'Query too complex', `q nests deeper than ${MAX_DEPTH} parentheses`);
    if (this.s[this.pos] === '(') {
      this.pos++;
      const inner = this.or(depth + 1);
      if (this.s[this.pos] !== ')') throw bad(`missing ")" at position ${this.pos}`);
      this.pos++;
      return inner;
    }
    if (this.s[this.pos] === '!' && this.s[this.pos + 1] !== '=' && this.s[this.pos + 1] !== '~') {
      this.pos++;
      return { kind: 'absent', attr: this.attr() };
    }
    const attr = this.attr();
    const op = OPS.find((o) => this.s.startsWith(o, this.pos));
    if (!op) return { kind: 'exists', attr };
    this.pos += op.length;
    return { kind: 'compare', attr, op, value: this.value(op) };
  }

  attr(): string {
    const m = ATTR.exec(this.s.slice(this.pos));
    if (!m) throw bad(`an attribute name is expected at position ${this.pos}`);
    this.pos += m[0].length;
    const next = this.s[this.pos];
    if (next === '.' || next === '[') throw bad(`attribute paths ("${m[0]}${next}…") are not supported`);
    return m[0];
  }

  /** The raw value up to the next ";", "|" or ")" outside quotes, then split into a list or a range. */
  value(op: Op): Value {
    const start = this.pos;
    let inQuote = false;
    for (; this.pos < this.s.length; this.pos++) {
      const c = this.s[this.pos];
      if (inQuote && c === '\\') this.pos++;
      else if (c === '"') inQuote = !inQuote;
      else if (!inQuote && (c === ';' || c === '|' || c === ')')) break;
    }
    if (inQuote) throw bad('unterminated quoted string');
    const raw = this.s.slice(start, this.pos);
    if (raw === '') throw bad(`a value is expected at position ${start}`);
    const items = splitOutsideQuotes(raw, ',');
    if (op === '~=' || op === '!~=') {
      // The whole value is the pattern (it may hold commas); quoted or not.
      return { kind: 'pattern', re: compileClientPattern(String(scalar(raw)), 'q pattern') };
    }
    if (items.length === 1 && !raw.startsWith('"')) {
      const range = raw.split('..');
      if (range.length === 2 && range[0] && range[1]) return { kind: 'range', min: scalar(range[0]), max: scalar(range[1]) };
    }
    if (items.length > 1 && op !== '==' && op !== '!=') throw bad(`a list of values needs "==" or "!=", not "${op}"`);
    return { kind: 'list', items: items.map(scalar) };
  }
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  const parts: string[] = [];
  let inQuote = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (inQuote && s[i] === '\\') i++;
    else if (s[i] === '"') inQuote = !inQuote;
    else if (!inQuote && s[i] === sep) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

function scalar(raw: string): Scalar {
  if (raw.startsWith('"')) {
    if (raw.length < 2 || !raw.endsWith('"')) throw bad(`bad quoted string ${raw}`);
    return raw.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
  if (raw === '' || /[\s"]/.test(raw)) throw bad(`bad value "${raw}"`);
  return raw; // an unquoted URI or date-time
}

/** Whether an entity (attribute name → keyValues value) matches. */
export function matchesQ(expr: QExpr, values: Readonly<Record<string, unknown>>): boolean {
  switch (expr.kind) {
    case 'and':
      return expr.terms.every((t) => matchesQ(t, values));
    case 'or':
      return expr.terms.some((t) => matchesQ(t, values));
    case 'exists':
      return values[expr.attr] !== undefined;
    case 'absent':
      return values[expr.attr] === undefined;
    case 'compare': {
      const actual = values[expr.attr];
      if (actual === undefined || actual === null || typeof actual === 'object') return false;
      return compare(actual as Scalar, expr.op, expr.value);
    }
  }
}

function compare(actual: Scalar, op: Op, value: Value): boolean {
  // The parser gives a pattern to ~= and !~= only, and those only a pattern.
  if (value.kind === 'pattern') return value.re.test(String(actual)) === (op === '~=');
  if (value.kind === 'range') {
    const inRange = order(actual, value.min) >= 0 && order(actual, value.max) <= 0;
    return op === '==' ? inRange : op === '!=' ? !inRange : false;
  }
  if (op === '==') return value.items.some((v) => order(actual, v) === 0);
  if (op === '!=') return value.items.every((v) => order(actual, v) !== 0);
  const c = order(actual, value.items[0]!);
  if (Number.isNaN(c)) return false;
  return op === '>' ? c > 0 : op === '>=' ? c >= 0 : op === '<' ? c < 0 : c <= 0;
}

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;

/** <0, 0, >0, or NaN when the two cannot be compared (different kinds). */
function order(a: Scalar, b: Scalar): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : NaN;
  if (typeof a === 'string' && typeof b === 'string') {
    if (DATE_LIKE.test(a) && DATE_LIKE.test(b)) {
      const d = Date.parse(a) - Date.parse(b);
      if (!Number.isNaN(d)) return d;
    }
    return a === b ? 0 : a < b ? -1 : 1;
  }
  return NaN;
}
