import { describe, expect, it } from 'vitest';
import { NgsiError } from '../../../services/api/ngsi/ngsi-errors.ts';
import { matchesQ, parseQ } from '../../../services/api/ngsi/ngsi-q.ts';

const entity = {
  intensity: 310,
  congested: true,
  levelOfService: 'E',
  refRoadSegment: 'urn:ngsi-ld:RoadSegment:ql13-nb-01',
  dateObservedTo: '2026-12-04T19:30:00Z',
  averageVehicleSpeed: 21.4,
};
const m = (q: string): boolean => matchesQ(parseQ(q), entity);

describe('NGSI-LD q (ETSI GS CIM 009 clause 4.9, the supported subset)', () => {
  it('when simple comparisons are asked, then numbers, booleans, strings and URIs compare as the spec says', () => {
    expect(m('congested==true')).toBe(true);
    expect(m('congested==false')).toBe(false);
    expect(m('intensity>100')).toBe(true);
    expect(m('intensity>310')).toBe(false);
    expect(m('intensity>=310')).toBe(true);
    expect(m('averageVehicleSpeed<21.5')).toBe(true);
    expect(m('intensity!=310')).toBe(false);
    expect(m('levelOfService=="E"')).toBe(true);
    expect(m('refRoadSegment=="urn:ngsi-ld:RoadSegment:ql13-nb-01"')).toBe(true);
    expect(m('refRoadSegment==urn:ngsi-ld:RoadSegment:ql13-nb-01')).toBe(true);
    expect(m('refRoadSegment==urn:ngsi-ld:RoadSegment:ql13-nb-02')).toBe(false);
  });

  it('when lists, ranges, date-times, patterns and existence are asked, then they match accordingly', () => {
    expect(m('levelOfService=="D","E","F"')).toBe(true);
    expect(m('levelOfService!="E","F"')).toBe(false);
    expect(m('intensity==300..320')).toBe(true);
    expect(m('intensity==0..100')).toBe(false);
    expect(m('dateObservedTo>=2026-12-04T19:00:00Z')).toBe(true);
    expect(m('dateObservedTo<2026-12-04T19:30:00Z')).toBe(false);
    expect(m('refRoadSegment~=ql13-nb-0[12]$')).toBe(true);
    expect(m('refRoadSegment!~=ql13')).toBe(false);
    expect(m('occupancy')).toBe(false);
    expect(m('!occupancy')).toBe(true);
    expect(m('occupancy<0.5')).toBe(false); // an absent attribute matches no comparison
  });

  it('when terms are combined with ; | and parentheses, then AND binds tighter than OR', () => {
    expect(m('congested==true;intensity>1000')).toBe(false);
    expect(m('congested==false|intensity>100')).toBe(true);
    expect(m('congested==false;intensity>1000|levelOfService=="E"')).toBe(true);
    expect(m('congested==false;(intensity>1000|levelOfService=="E")')).toBe(false);
  });

  it.each([
    ['intensity>', 'BadRequestData'],
    ['(intensity>1', 'BadRequestData'],
    ['levelOfService=="E', 'BadRequestData'],
    ['address.streetAddress=="x"', 'BadRequestData'],
    ['intensity>1,2', 'BadRequestData'],
    ['==3', 'BadRequestData'],
    [`${'('.repeat(12)}intensity>1${')'.repeat(12)}`, 'TooComplexQuery'],
  ])('when q is %s, then it is refused as %s', (q, type) => {
    let thrown: unknown;
    try {
      parseQ(q);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(NgsiError);
    expect((thrown as NgsiError).errorType).toBe(type);
  });
});

describe('client regular expressions (idPattern, q ~=)', () => {
  it('when a pattern could backtrack exponentially, then it is refused as BadRequestData; plain ones are compiled', async () => {
    const { compileClientPattern } = await import('../../../services/api/ngsi/safe-pattern.ts');
    for (const p of ['(a+)+$', '(a|aa)*', '((ab)*)+', '(\\w+\\s?)*$', '(a)\\1', 'x'.repeat(300)]) {
      expect(() => compileClientPattern(p, 'idPattern'), p).toThrow(NgsiError);
    }
    for (const p of ['^urn:ngsi-ld:TrafficFlowObserved:ql13-.*', 'nb-0[1-3]:5m', '(ql13|mptv)-nb', '[(+)]+', 'a{2,3}']) {
      expect(compileClientPattern(p, 'idPattern'), p).toBeInstanceOf(RegExp);
    }
    expect(() => parseQ('refRoadSegment~=(a+)+$')).toThrow(NgsiError);
  });
});
