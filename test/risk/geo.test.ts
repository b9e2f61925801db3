/** @isolated no service */
import { EARTH_MEAN_RADIUS_KM, greatCircleKm, impliedSpeedKmh } from '../../src/domain/geo';

const SEOUL = { lat: 37.5665, lon: 126.978 };
const LISBON = { lat: 38.7223, lon: -9.1393 };

describe('greatCircleKm', () => {
  it('puts Seoul about 10,400 km from Lisbon, either way round', () => {
    expect(greatCircleKm(SEOUL, LISBON)).toBeGreaterThan(10_300);
    expect(greatCircleKm(SEOUL, LISBON)).toBeLessThan(10_500);
    expect(greatCircleKm(LISBON, SEOUL)).toBeCloseTo(greatCircleKm(SEOUL, LISBON), 9);
  });

  it('is zero for one place, and a degree of latitude is about 111.2 km', () => {
    expect(greatCircleKm(SEOUL, SEOUL)).toBe(0);
    expect(greatCircleKm({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(
      (Math.PI * EARTH_MEAN_RADIUS_KM) / 180,
      6,
    );
  });

  it('crosses the antimeridian the short way, and answers half the circumference for antipodes', () => {
    expect(greatCircleKm({ lat: 0, lon: 179.5 }, { lat: 0, lon: -179.5 })).toBeCloseTo(111.195, 2);
    expect(greatCircleKm({ lat: 90, lon: 0 }, { lat: -90, lon: 0 })).toBeCloseTo(Math.PI * EARTH_MEAN_RADIUS_KM, 6);
    expect(greatCircleKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(Math.PI * EARTH_MEAN_RADIUS_KM, 6);
  });
});

describe('impliedSpeedKmh', () => {
  it('divides the distance by the hours between, in either order', () => {
    expect(impliedSpeedKmh(1_000, 3_600)).toBe(1_000);
    expect(impliedSpeedKmh(1_000, -1_800)).toBe(2_000);
  });

  it('is zero without a distance and infinite for a distance in no time', () => {
    expect(impliedSpeedKmh(0, 0)).toBe(0);
    expect(impliedSpeedKmh(0, 60)).toBe(0);
    expect(impliedSpeedKmh(10_418, 0)).toBe(Infinity);
  });
});
