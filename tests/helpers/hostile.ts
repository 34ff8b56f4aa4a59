import fc from 'fast-check';

/** The id rule of DESIGN §3 (idSchema). */
export const ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Ids that pass the rule: every allowed character, lengths 1–64. */
export const validId = fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/);

/** Fragments with a meaning in line protocol, InfluxQL, SQL or URLs. */
export const INJECTION_FRAGMENTS = [
  "'",
  '"',
  ';',
  '\\',
  '\n',
  ',',
  ' ',
  '=',
  "' OR '1'='1",
  "'; DROP TABLE readings; --",
  '" OR 1=1 --',
  "') OR ('a'='a",
  '5m; DROP MEASUREMENT traffic_reading',
  "' AND time > 0 OR segment_id =~ /.*/ --",
  'traffic_reading,sensor_id=x count_car=9i 1',
  '\u0000',
  '%00',
  '../../etc/passwd',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  'ẞensor-ü',
  '💥',
  '\u202e',
] as const;

/** Strings an attacker would try: the fragments above alone or inside ids, any unicode, long strings, empty. */
export const hostileString = fc.oneof(
  fc.constantFrom('', 'x\\', 'a\r\n\tb', 'x'.repeat(65), 'x'.repeat(5000), ...INJECTION_FRAGMENTS),
  fc.tuple(validId, fc.constantFrom(...INJECTION_FRAGMENTS), fc.string({ maxLength: 10 })).map(([a, b, c]) => `${a}${b}${c}`),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ minLength: 65, maxLength: 300 }),
);

/** Hostile strings that break the id rule (the ones validation must stop). */
export const invalidId = hostileString.filter((s) => !ID.test(s));
