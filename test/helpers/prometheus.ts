import { execFileSync } from 'node:child_process';

/**
 * /metrics read with the Prometheus project's own text-format parser (the Python client's
 * prometheus_client.parser, Debian package python3-prometheus-client): a malformed exposition fails the read.
 */
const PARSER = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.append({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value})
print(json.dumps(out))
`;

export interface Sample {
  family: string;
  type: string;
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): Sample[] {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', PARSER], { input: text, encoding: 'utf8' })) as Sample[];
}

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { headers });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  if (!res.headers.get('content-type')?.startsWith('text/plain; version=0.0.4')) throw new Error(`/metrics content-type ${res.headers.get('content-type')}`);
  return parseMetrics(await res.text());
}

const matches = (labels: Record<string, string>, want: Record<string, string>) => Object.entries(want).every(([k, v]) => labels[k] === v);

/** The value of the sample `name` (a gauge, a counter's `_total`, a histogram's `_count`) with these labels. */
export function value(s: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return s.find((x) => x.name === name && matches(x.labels, labels))?.value;
}

/** Every sample named `name` as [labels, value]. */
export function samples(s: Sample[], name: string): [Record<string, string>, number][] {
  return s.filter((x) => x.name === name).map((x) => [x.labels, x.value]);
}
