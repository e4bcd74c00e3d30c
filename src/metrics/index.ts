// Prometheus's view of voicebox: the instruments and the /metrics and /health endpoint.
// README.md names every metric; the wiring (src/cli/metrics.ts) feeds them.
export {
  CALL_OUTCOMES,
  Metrics,
  type Backend,
  type CallOutcomeLabel,
  type CallSeen,
  type MetricsOptions,
  type ServingState,
  type SpoolState,
} from './metrics.js';
export { MetricsServer, type MetricsLogger, type MetricsServerOptions } from './server.js';
