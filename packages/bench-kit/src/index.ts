export { BenchRun, cpuMsOf, peakMemoryMbOf } from './children.js';
export { findNatsServer, freePort, natsInstallHint } from '@cfund/infra';
export { HttpClient, type HttpAnswer } from './http.js';
export { fmt, mean, quantile, report, sortedCopy } from './figures.js';
export { pool } from './pool.js';
export {
  CLAIM_ONLY_STEPS, COMMANDS_PER_LIFECYCLE, RSD, allocateLargeBudget, benchOperatorToken, benchTokens, day, fileBody, fundYearNow, lifecycleSteps, projectionCaughtUp, runLifecycles, sendCommand, waitFor,
  type CommandTiming, type Step, type Tokens,
} from './claims.js';
export { repoRoot, requireBuilt, serviceMain, startEventStore, natsCredentials, startNats, startNatsClusterOf, instanceDataDir, startService, storeCli, type Server } from './system.js';
export { histogramDiff, histogramOf, histogramQuantile, readHistogram, sampleSum, scrapeMetrics, type HistogramReading } from './prometheus.js';
// The one progress mechanism lives in service-kit (the event store's and documents' benchmarks use it there).
export { withProgress } from '@cfund/service-kit';
export { InstructionCounter, callgrindCount, callgrindPrefix, callgrindTotal, readCallgrindCount, valgrindVersion, type InstructionCount } from './callgrind.js';
export { runBench } from './run.js';
