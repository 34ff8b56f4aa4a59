// @ts-check
// Numbers in the page's language ("1.234,5" in Vietnamese, "1,234.5" in English). Pure.
import { localeOf } from './i18n.js';

/**
 * @param {import('./i18n.js').Language} lang
 * @returns {(value: number | null | undefined, digits?: number) => string}  '–' for no value
 */
export function numberFormat(lang) {
  const locale = localeOf(lang);
  /** @type {Map<number, Intl.NumberFormat>} */
  const byDigits = new Map();
  return (value, digits = 0) => {
    if (value === null || value === undefined || !Number.isFinite(value)) return '–';
    let f = byDigits.get(digits);
    if (!f) {
      f = new Intl.NumberFormat(locale, { maximumFractionDigits: digits });
      byDigits.set(digits, f);
    }
    return f.format(value);
  };
}
