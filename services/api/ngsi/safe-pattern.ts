import { NgsiError } from './ngsi-errors.ts';

const MAX_PATTERN_LENGTH = 256;

/**
 * Compiles a client's regular expression (`idPattern`, `q` with `~=`) after refusing the shapes
 * that can backtrack exponentially, because matching runs on the thread that also acknowledges
 * MQTT: a quantified group holding a quantifier or an alternation (`(a+)+`, `(a|aa)*`), and
 * back-references. Conservative by design (a few harmless patterns are refused too).
 */
export function compileClientPattern(pattern: string, what: string): RegExp {
  const refuse = (why: string): never => {
    throw new NgsiError('BadRequestData', 'Invalid pattern', `${what}: ${why}`);
  };
  if (pattern.length > MAX_PATTERN_LENGTH) refuse(`longer than ${MAX_PATTERN_LENGTH} characters`);
  /** Per open group: whether it holds a quantifier or an alternation. */
  const groups: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      if (/[1-9k]/.test(pattern[i + 1] ?? '')) refuse('back-references are not supported');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') groups.push(false);
    else if (c === ')') {
      const risky = groups.pop() ?? false;
      const next = pattern[i + 1] ?? '';
      const quantified = next === '*' || next === '+' || next === '?' || next === '{';
      if (risky && quantified) refuse('a repeated group may not hold a repetition or an alternation (exponential matching)');
      if ((risky || quantified) && groups.length > 0) groups[groups.length - 1] = true;
    } else if ('*+?{|'.includes(c) && groups.length > 0) groups[groups.length - 1] = true;
  }
  try {
    return new RegExp(pattern);
  } catch (err) {
    return refuse((err as Error).message);
  }
}
