// The bonnie++ module: parse its output, render its table.
export { parseBonnie, bonnieFailureReason } from './parse.js';
export { formatBonnieTable } from './format.js';
export type { FormatOptions } from './format.js';
export { BONNIE_METRICS, BonnieParseError } from './types.js';
export type { BonnieRun, Metric, MetricName } from './types.js';
