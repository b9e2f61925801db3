import { greatCircleKm, impliedSpeedKmh } from '@domain/geo';
import { type GeoPoint } from '@domain/transfer';

import { type RiskPlace } from './api';

const MS_PER_MINUTE = 60_000;

/**
 * The place facts of a risk record in plain words, e.g. "Sent from 38.7223, -9.1393 (reported by the device) ·
 * country PT (from its IP) · previous located transfer 37.5665, 126.9780, 10 min before: 10418 km, 62507 km/h ·
 * device laptop-9, first seen from this sender". The distance and speed are the travel condition's own
 * arithmetic, between the previous located transfer and this one, submitted at `submittedAt`.
 *
 * @returns null when there is no fact to tell
 */
export function describePlace(place: RiskPlace | null, submittedAt: string): string | null {
  if (!place) return null;
  const { location, locationSource, country, previousLocation, deviceId, deviceLastSeenMs } = place;
  const submittedMs = Date.parse(submittedAt);
  const parts: string[] = [];
  if (location) parts.push(`Sent from ${coordinates(location)}${sourceText(locationSource)}`);
  if (country) parts.push(`country ${country} (from its IP)`);
  if (previousLocation) {
    const gapMs = submittedMs - previousLocation.atMs;
    const previous = `previous located transfer ${coordinates(previousLocation)}, ${when(gapMs)}`;
    parts.push(location ? `${previous}: ${travelText(greatCircleKm(previousLocation, location), gapMs)}` : previous);
  }
  if (deviceId !== undefined) {
    const seen =
      deviceLastSeenMs === undefined
        ? 'first seen from this sender'
        : `last seen ${when(submittedMs - deviceLastSeenMs)}`;
    parts.push(`device ${deviceId}, ${seen}`);
  }
  if (parts.length === 0) return null;
  const sentence = parts.join(' · ');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

function coordinates({ lat, lon }: GeoPoint): string {
  return `${lat.toFixed(4)}, ${lon.toFixed(4)}`;
}

function sourceText(source: RiskPlace['locationSource']): string {
  if (source === 'device') return ' (reported by the device)';
  if (source === 'ip') return ' (located from its IP)';
  return '';
}

function travelText(km: number, gapMs: number): string {
  const distance = `${Math.round(km)} km`;
  // No time between them is no speed but an impossibility, which "at the same time" already says.
  if (gapMs === 0) return distance;
  return `${distance}, ${Math.round(impliedSpeedKmh(km, gapMs / 1000))} km/h`;
}

/** How far before this transfer (or after, when evaluations ran out of order), in the unit a person would say. */
function when(gapMs: number): string {
  if (gapMs === 0) return 'at the same time';
  const ago = durationText(Math.abs(gapMs));
  return gapMs > 0 ? `${ago} before` : `${ago} after`;
}

function durationText(ms: number): string {
  const minutes = ms / MS_PER_MINUTE;
  if (minutes < 1) return `${Math.round(ms / 1000)} s`;
  if (minutes < 120) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / (24 * 60))} days`;
}
