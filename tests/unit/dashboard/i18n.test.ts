import { describe, expect, it } from 'vitest';
import { DICTIONARIES, pickLanguage, translator } from '../../../services/api/dashboard/i18n.js';

describe('dashboard i18n (vi/en)', () => {
  it('when the page has no ?lang= or an unknown one, then it is Vietnamese; ?lang=en and ?lang=vi are honoured', () => {
    expect(pickLanguage('')).toBe('vi');
    expect(pickLanguage('?lang=fr')).toBe('vi');
    expect(pickLanguage('?window=1m&lang=en')).toBe('en');
    expect(pickLanguage('?lang=EN')).toBe('en');
    expect(pickLanguage('?lang=vi')).toBe('vi');
  });

  it('when the two dictionaries are compared, then they have exactly the same keys and no empty text', () => {
    expect(Object.keys(DICTIONARIES.vi).sort()).toEqual(Object.keys(DICTIONARIES.en).sort());
    for (const [lang, words] of Object.entries(DICTIONARIES)) {
      for (const [key, text] of Object.entries(words)) expect(text.trim(), `${lang} ${key}`).not.toBe('');
    }
  });

  it('when the two dictionaries are compared, then each text uses the same {parameters} in both languages', () => {
    const params = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(DICTIONARIES.en)) expect(params(DICTIONARIES.vi[key]!), key).toEqual(params(DICTIONARIES.en[key]!));
  });

  it('when the operator labels are read in Vietnamese, then they are written with their diacritics', () => {
    const t = translator('vi');
    expect(t('los.title')).toBe('Mức phục vụ');
    expect(t('alerts.title')).toBe('Cảnh báo');
    expect(t('health.title')).toBe('Tình trạng cảm biến');
    expect(t('alerts.ack')).toBe('Xác nhận');
    expect(t('summary.title')).toBe('Tổng quan thành phố');
    // Vietnamese without any tone mark or đ would be a sign of text typed without diacritics. The
    // exceptions are texts that are right without one: units ("xe/h"), "English" and the dash.
    const rightWithout = ['segment.flowValue', 'language.other', 'unavailable'];
    const unaccented = Object.entries(DICTIONARIES.vi).filter(
      ([key, text]) => /[a-z]{2,}/i.test(text.replace(/\{\w+\}/g, '')) && !/[À-ỹđĐ]/u.test(text) && !rightWithout.includes(key),
    );
    expect(unaccented).toEqual([]);
  });

  it('when a text has parameters, then they are filled in; a missing one stays visible; an unknown key falls back to itself', () => {
    const en = translator('en');
    const vi = translator('vi');
    expect(en('alerts.activeCount', { count: 3 })).toBe('3 active');
    expect(vi('alerts.activeCount', { count: 3 })).toBe('3 đang diễn ra');
    expect(en('segment.speedValue', { speed: '21' })).toBe('21 km/h (free flow {free})');
    expect(vi('no.such.key')).toBe('no.such.key');
  });
});
