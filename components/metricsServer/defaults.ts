/** What MetricsServer gets when its arguments leave a setting open. */
export const metricsServerDefaults = {
  /** As the upstream manifest runs it. */
  metricResolutionSeconds: 15,
  waitForReadiness: true,
} as const;
