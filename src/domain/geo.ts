import type { GeoPoint } from './transfer';

/** The Earth's mean radius (IUGG, R₁), in km: the sphere that best fits the ellipsoid on average. */
export const EARTH_MEAN_RADIUS_KM = 6371.0088;

const RADIANS_PER_DEGREE = Math.PI / 180;
const SECONDS_PER_HOUR = 3600;

/**
 * The great-circle distance between two points, on a sphere of the Earth's mean radius. Haversine, which
 * stays accurate for short distances too; a sphere is off the ellipsoid by at most about 0.5 %, far less
 * than a location from an IP address is good for.
 *
 * @returns kilometres, from 0 to half the circumference (about 20,015 km)
 */
export function greatCircleKm(a: GeoPoint, b: GeoPoint): number {
  const latA = a.lat * RADIANS_PER_DEGREE;
  const latB = b.lat * RADIANS_PER_DEGREE;
  const halfDLat = (latB - latA) / 2;
  const halfDLon = ((b.lon - a.lon) * RADIANS_PER_DEGREE) / 2;
  const haversine = Math.sin(halfDLat) ** 2 + Math.cos(latA) * Math.cos(latB) * Math.sin(halfDLon) ** 2;
  // Rounding can push the haversine a hair above 1 for antipodes, where asin would answer NaN.
  return 2 * EARTH_MEAN_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(haversine)));
}

/**
 * The speed it takes to cover a distance in the time between two sightings, in either order.
 *
 * @param seconds - the time between them; its sign is ignored
 * @returns km/h; 0 for no distance, Infinity for a distance covered in no time at all
 */
export function impliedSpeedKmh(distanceKm: number, seconds: number): number {
  if (distanceKm <= 0) return 0;
  const elapsed = Math.abs(seconds);
  if (elapsed === 0) return Infinity;
  return (distanceKm * SECONDS_PER_HOUR) / elapsed;
}
