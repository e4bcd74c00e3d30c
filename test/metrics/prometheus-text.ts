// What a Prometheus scraper reads of /metrics: the text format parsed by
// parse-prometheus-text-format (prom2json's shape), with the lookups the tests need.
import parse from 'parse-prometheus-text-format';

export interface Sample {
  readonly labels?: Record<string, string>;
  readonly value?: string;
  /** histograms */
  readonly count?: string;
  readonly sum?: string;
  readonly buckets?: Record<string, string>;
}
export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  readonly metrics: readonly Sample[];
}

export function parsed(text: string): Family[] {
  return (parse as (text: string) => Family[])(text);
}

export function family(families: readonly Family[], name: string): Family | undefined {
  return families.find((f) => f.name === name);
}

/** the sample of `name` with exactly these labels (a subset match), as a number; 0 when absent */
export function valueOf(
  families: readonly Family[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const sample = family(families, name)?.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  return sample === undefined ? 0 : Number(sample.value ?? sample.count ?? 0);
}

/**
 * One series family read on its own (`…_count` of a histogram), as samples with their labels.
 * The parser merges the labelled series of a histogram into one (it flattens by `le` alone), so a
 * histogram's counts per label are read from its `_count` lines by themselves.
 */
export function seriesOf(text: string, name: string): Sample[] {
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return [...(family(parsed(lines.join('\n') + '\n'), name)?.metrics ?? [])];
}

/** how many requests a labelled histogram counted for these labels */
export function histogramCount(text: string, name: string, labels: Record<string, string>): number {
  const sample = seriesOf(text, `${name}_count`).find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  return Number(sample?.value ?? 0);
}
