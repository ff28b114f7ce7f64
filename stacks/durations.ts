/**
 * Reconcile intervals, in the units Flux's CRDs accept, read the way Go reads them (Flux parses
 * `spec.interval` with time.ParseDuration).
 */

/** The duration pattern of Flux's CRDs (`spec.interval`): Go durations in ms, s, m and h only. */
const FLUX_DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const PART = /([0-9]+)(?:\.([0-9]+))?(ms|s|m|h)/g;

const NANOSECONDS: Readonly<Record<string, bigint>> = {
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** The longest duration Go's time.Duration holds: 2^63-1 nanoseconds, 2562047h47m16.854775807s. */
export const GO_DURATION_MAX_NANOSECONDS = 2n ** 63n - 1n;
/** Written as Go prints it. */
export const GO_DURATION_MAX = "2562047h47m16.854775807s";

/**
 * The shortest reconcile interval a stack may set. Each reconcile of a GitRepository fetches
 * from the Git host; below 10s a tenant's sync polls the host several times a minute for no
 * gain, since pushes are picked up on the next interval anyway, and hosts rate-limit.
 */
export const MINIMUM_INTERVAL = "10s";
const MINIMUM_INTERVAL_NANOSECONDS = 10_000_000_000n;

/**
 * The duration in nanoseconds, exactly (fractions below a nanosecond dropped, as Go does), or
 * undefined when the text is not a duration Flux's CRDs accept.
 */
export function durationNanoseconds(text: string): bigint | undefined {
  if (!FLUX_DURATION.test(text)) return undefined;
  let total = 0n;
  for (const [, whole = "0", fraction = "", unit = "s"] of text.matchAll(PART)) {
    const perUnit = NANOSECONDS[unit] ?? 0n;
    const scale = 10n ** BigInt(fraction.length);
    total += BigInt(whole) * perUnit + (BigInt(fraction || "0") * perUnit) / scale;
  }
  return total;
}

/** Why a text is not a usable reconcile interval, or undefined. Messages quote it with `shown`. */
export function intervalProblem(text: string, shown: string): string | undefined {
  const nanoseconds = durationNanoseconds(text);
  if (nanoseconds === undefined) {
    return `${shown} is not a duration; expected a duration such as 1m, 90s or 1h30m (units ms, s, m, h)`;
  }
  if (nanoseconds === 0n) return `${shown} is zero; expected a positive duration such as 1m`;
  if (nanoseconds < MINIMUM_INTERVAL_NANOSECONDS) {
    return `${shown} is shorter than ${MINIMUM_INTERVAL}, the shortest interval allowed; expected ${MINIMUM_INTERVAL} or more, such as 1m`;
  }
  if (nanoseconds > GO_DURATION_MAX_NANOSECONDS) {
    return `${shown} is longer than Flux can read (Go durations end at ${GO_DURATION_MAX}); expected a duration such as 1h or 24h`;
  }
  return undefined;
}
