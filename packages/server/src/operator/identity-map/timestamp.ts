/**
 * `since_timestamp` of `/v2/identity/buckets`. The reference parses it with Java's
 * `LocalDateTime.parse(text, ISO_LOCAL_DATE_TIME)` and reads it as UTC; this parser accepts exactly
 * the same texts (checked against Java 17):
 *
 *   [±]yyyy-MM-dd('T'|'t')HH:mm[:ss[.f…]]
 *
 * - year: exactly 4 digits unsigned; with `-`, 4–9 digits (not `-0000`); with `+`, 5–9 digits
 *   (Java's EXCEEDS_PAD sign style); calendar fields are strictly validated (no Feb 30, hour ≤ 23,
 *   second ≤ 59, 29 Feb only in leap years);
 * - the fraction may have 0–9 digits (a bare trailing `.` is accepted, like Java) and is truncated to
 *   milliseconds (`Instant.toEpochMilli`);
 * - no surrounding spaces, no `,` as decimal separator.
 *
 * Deliberate extension: a trailing `Z`/`z` or a `±HH:MM` offset (at most ±18:00, Java's ZoneOffset
 * range) is also accepted and converts the time to UTC. Hand-written clients naturally send
 * `toISOString()`-style text ending in `Z`; the SDKs send none (the Python SDK converts to UTC and
 * drops the zone, keeping microseconds). The reference answers zoned texts with 400 `invalid date,
 * must conform to ISO 8601`; accepting them changes no answer to a text the reference accepts.
 */

const DAY_MS = 86_400_000;
/** Java's Instant.toEpochMilli throws beyond the long range (±2^63 ms). */
const EPOCH_MS_LIMIT = 2 ** 63;

/** Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const LOCAL_RE =
  /^([+-]?)(\d{4,9})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{0,9}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

/**
 * Parses a `since_timestamp` into epoch milliseconds (UTC), or undefined when the reference would
 * answer `invalid date, must conform to ISO 8601` (see the module comment for the accepted forms).
 */
export function parseSinceTimestamp(text: string): number | undefined {
  const m = LOCAL_RE.exec(text);
  if (m === null) return undefined;
  const [, sign, yearText, mo, d, h, mi, s, frac, zulu, offSign, offH, offM] = m;
  if (yearText === undefined || mo === undefined || d === undefined || h === undefined || mi === undefined) {
    return undefined;
  }
  if (sign === '' && yearText.length !== 4) return undefined;
  if (sign === '+' && yearText.length <= 4) return undefined;
  const year = sign === '-' ? -Number(yearText) : Number(yearText);
  if (sign === '-' && year === 0) return undefined; // Java's strict parser refuses "minus zero"
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || day < 1) return undefined;
  const monthDays = month === 2 && isLeap(year) ? 29 : (MONTH_DAYS[month - 1] as number);
  if (day > monthDays) return undefined;
  const millis = frac === undefined || frac.length === 0 ? 0 : Number(`${frac}00`.slice(0, 3));
  let offsetMs = 0;
  if (zulu === undefined && offSign !== undefined) {
    const oh = Number(offH);
    const om = Number(offM);
    if (om > 59 || oh * 60 + om > 18 * 60) return undefined;
    offsetMs = (offSign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const ms =
    daysFromCivil(year, month, day) * DAY_MS +
    ((hour * 60 + minute) * 60 + second) * 1000 +
    millis -
    offsetMs;
  return Math.abs(ms) >= EPOCH_MS_LIMIT ? undefined : ms;
}

/** `last_updated` of a bucket: UTC `yyyy-MM-ddTHH:mm:ss.SSS`, always three fraction digits, no zone. */
export function formatLastUpdated(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}
